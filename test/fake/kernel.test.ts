// SysctlSet, VipAlias, Route and NatRule against a fake host: the real
// sysctl on a tmpfs /proc/sys, and the ip / iptables / systemctl stand-ins.
import * as assert from "node:assert/strict";
import { natRuleProvider } from "../../providers/nat/natRule";
import { routeProvider } from "../../providers/route/route";
import { sysctlSetProvider } from "../../providers/sysctl/sysctlSet";
import { vipAliasProvider } from "../../providers/vip/vipAlias";
import { create, diff, fullDiff, InputsOf, read, remove, update, withFakeHost } from "./lifecycle";

describe("fake host: SysctlSet", () => {
  const host = withFakeHost();
  type In = InputsOf<typeof sysctlSetProvider>;
  const set = (values: Record<string, string>, name = "90-lvs"): In => ({ connection: host().connection, name, values }) as In;
  const live = async (k: string) => (await host().sh(`sysctl -n ${k}`)).trim();

  it("creates (live + /etc/sysctl.d), updates in place, and restores the previous values at delete", async () => {
    const { id, outs } = await create(sysctlSetProvider, set({ "net.ipv4.ip_forward": "1" }));
    assert.equal(await live("net.ipv4.ip_forward"), "1");
    assert.match(await host().sh("cat /etc/sysctl.d/90-lvs.conf"), /^net\.ipv4\.ip_forward = 1$/m);
    assert.deepEqual(await diff(sysctlSetProvider, id, outs, set({ "net.ipv4.ip_forward": "1" })), { changes: false, replaces: [] });
    const news = set({ "net.ipv4.ip_forward": "1", "net.ipv4.conf.lo.arp_ignore": "1" });
    assert.deepEqual(await diff(sysctlSetProvider, id, outs, news), { changes: true, replaces: [] });
    const after = await update(sysctlSetProvider, id, outs, news);
    assert.equal(await live("net.ipv4.conf.lo.arp_ignore"), "1");
    await remove(sysctlSetProvider, id, after);
    assert.equal(await live("net.ipv4.ip_forward"), "0");
    assert.equal(await live("net.ipv4.conf.lo.arp_ignore"), "0");
    assert.equal((await host().exec("test -e /etc/sysctl.d/90-lvs.conf")).code, 1);
  });

  it("adopts values already set (and restores nothing it did not change)", async () => {
    await host().sh("sysctl -w net.ipv4.conf.all.arp_announce=2");
    const { id, outs } = await create(sysctlSetProvider, set({ "net.ipv4.conf.all.arp_announce": "2" }, "91-adopt"));
    await remove(sysctlSetProvider, id, outs);
    assert.equal(await live("net.ipv4.conf.all.arp_announce"), "2");
    await host().sh("sysctl -w net.ipv4.conf.all.arp_announce=0");
  });

  it("refuses a key the host does not have, and writes nothing", async () => {
    await assert.rejects(
      create(sysctlSetProvider, set({ "net.ipv4.no_such_key": "1" }, "92-bad")),
      /unknown sysctl key: net\.ipv4\.no_such_key/,
    );
    assert.equal((await host().exec("test -e /etc/sysctl.d/92-bad.conf")).code, 1);
  });

  it("shows `sysctl -w` and an edited file as drift on refresh; update repairs both", async () => {
    const { id, outs } = await create(sysctlSetProvider, set({ "net.ipv4.ip_forward": "1" }, "93-drift"));
    await host().sh("sysctl -w net.ipv4.ip_forward=0 && echo '# edited' >> /etc/sysctl.d/93-drift.conf");
    const r = await read(sysctlSetProvider, id, outs);
    assert.deepEqual(r.props.values, { "net.ipv4.ip_forward": "0" });
    assert.equal(r.props.persisted, false);
    assert.equal((await diff(sysctlSetProvider, id, r.props, set({ "net.ipv4.ip_forward": "1" }, "93-drift"))).changes, true);
    const fixed = await update(sysctlSetProvider, id, r.props, set({ "net.ipv4.ip_forward": "1" }, "93-drift"));
    assert.equal(await live("net.ipv4.ip_forward"), "1");
    assert.equal((await read(sysctlSetProvider, id, fixed)).props.persisted, true);
    await remove(sysctlSetProvider, id, fixed);
  });

  it("replaces on a new name", async () => {
    const { id, outs } = await create(sysctlSetProvider, set({ "net.ipv4.ip_forward": "1" }, "94-name"));
    assert.deepEqual((await diff(sysctlSetProvider, id, outs, set({ "net.ipv4.ip_forward": "1" }, "95-name"))).replaces, ["name"]);
    await remove(sysctlSetProvider, id, outs);
  });
});

describe("fake host: VipAlias", () => {
  const host = withFakeHost();
  type In = InputsOf<typeof vipAliasProvider>;
  const vip = (over: Partial<In> = {}): In =>
    ({ connection: host().connection, address: "192.168.118.100", prefix: 32, interface: "lo", label: "lo:0", ...over }) as In;
  const addrs = async () => (await host().sh("ip -o addr show dev lo")).split("\n").filter((l) => l.includes("192.168."));
  const unit = "pulumi-lvs-vip-lo-0.service";

  it("creates the address and its boot unit (enabled), updates in place, and deletes both", async () => {
    const { id, outs } = await create(vipAliasProvider, vip());
    assert.equal((await addrs()).length, 1);
    assert.match((await addrs())[0], /inet 192\.168\.118\.100\/32 .* lo:0/);
    assert.equal((await host().sh(`systemctl is-enabled ${unit}`)).trim(), "enabled");
    assert.deepEqual(await diff(vipAliasProvider, id, outs, vip()), { changes: false, replaces: [] });
    assert.deepEqual(await diff(vipAliasProvider, id, outs, vip({ hostRoute: true })), { changes: true, replaces: [] });
    const after = await update(vipAliasProvider, id, outs, vip({ hostRoute: true }));
    assert.match(await host().sh("ip route show 192.168.118.100/32"), /^192\.168\.118\.100 dev lo/);
    await remove(vipAliasProvider, id, after);
    assert.deepEqual(await addrs(), []);
    assert.equal(await host().sh("ip route show 192.168.118.100/32"), "");
    assert.equal((await host().exec(`test -e /etc/systemd/system/${unit}`)).code, 1);
    assert.notEqual((await host().exec(`systemctl is-enabled ${unit}`)).code, 0);
  });

  it("adopts the address already on the interface", async () => {
    await host().sh("ip addr add 192.168.118.100/32 dev lo label lo:0");
    const { id, outs } = await create(vipAliasProvider, vip());
    assert.equal((await addrs()).length, 1);
    await remove(vipAliasProvider, id, outs);
  });

  it("refuses an interface the host does not have", async () => {
    await assert.rejects(create(vipAliasProvider, vip({ interface: "eth9", label: "eth9:0" })), /Cannot find device "eth9"/);
  });

  it("shows an address removed by hand as drift (assigned: false); update puts it back", async () => {
    const { id, outs } = await create(vipAliasProvider, vip());
    await host().sh("ip addr del 192.168.118.100/32 dev lo");
    const r = await read(vipAliasProvider, id, outs);
    assert.equal(r.id, id);
    assert.equal(r.props.assigned, false);
    assert.equal((await diff(vipAliasProvider, id, r.props, vip())).changes, true);
    const fixed = await update(vipAliasProvider, id, r.props, vip());
    assert.equal((await addrs()).length, 1);
    await remove(vipAliasProvider, id, fixed);
  });

  it("replaces on a new address, deleting first when the label (the unit's name) stays", async () => {
    const { id, outs } = await create(vipAliasProvider, vip());
    const d = await fullDiff(vipAliasProvider, id, outs, vip({ address: "192.168.118.101" }));
    assert.ok(d.replaces?.includes("address"));
    assert.equal(d.deleteBeforeReplace, true);
    await remove(vipAliasProvider, id, outs);
  });
});

describe("fake host: Route", () => {
  const host = withFakeHost();
  type In = InputsOf<typeof routeProvider>;
  const route = (over: Partial<In> = {}): In =>
    ({ connection: host().connection, destination: "default", via: "192.168.118.20", dev: "ens33", ...over }) as In;

  it("creates over an existing default route, updates the gateway in place, and puts the old route back at delete", async () => {
    await host().sh("ip route replace default via 10.0.2.2 dev eth0");
    const { id, outs } = await create(routeProvider, route());
    assert.equal((await host().sh("ip route show default")).trim(), "default via 192.168.118.20 dev ens33");
    assert.equal((await host().sh("systemctl is-enabled pulumi-lvs-route-default.service")).trim(), "enabled");
    assert.deepEqual(await diff(routeProvider, id, outs, route()), { changes: false, replaces: [] });
    assert.deepEqual(await diff(routeProvider, id, outs, route({ via: "192.168.118.21" })), { changes: true, replaces: [] });
    const after = await update(routeProvider, id, outs, route({ via: "192.168.118.21" }));
    assert.equal((await host().sh("ip route show default")).trim(), "default via 192.168.118.21 dev ens33");
    await remove(routeProvider, id, after);
    assert.equal((await host().sh("ip route show default")).trim(), "default via 10.0.2.2 dev eth0");
    assert.equal((await host().exec("test -e /etc/systemd/system/pulumi-lvs-route-default.service")).code, 1);
  });

  it("adopts the route already there (and leaves it at delete)", async () => {
    await host().sh("ip route replace 10.9.0.0/16 via 192.168.118.20 dev ens33");
    const { id, outs } = await create(routeProvider, route({ destination: "10.9.0.0/16" }));
    await remove(routeProvider, id, outs);
    assert.equal((await host().sh("ip route show 10.9.0.0/16")).trim(), "10.9.0.0/16 via 192.168.118.20 dev ens33");
  });

  it("refuses a device the host does not have", async () => {
    await assert.rejects(create(routeProvider, route({ destination: "10.8.0.0/16", dev: "eth9" })), /Cannot find device "eth9"/);
  });

  it("shows a route changed by hand as drift (present: false); update repairs it", async () => {
    const { id, outs } = await create(routeProvider, route({ destination: "10.7.0.0/16" }));
    await host().sh("ip route replace 10.7.0.0/16 via 192.168.118.99 dev ens33");
    const r = await read(routeProvider, id, outs);
    assert.equal(r.props.present, false);
    assert.equal((await diff(routeProvider, id, r.props, route({ destination: "10.7.0.0/16" }))).changes, true);
    const fixed = await update(routeProvider, id, r.props, route({ destination: "10.7.0.0/16" }));
    assert.equal((await host().sh("ip route show 10.7.0.0/16")).trim(), "10.7.0.0/16 via 192.168.118.20 dev ens33");
    await remove(routeProvider, id, fixed);
    assert.equal(await host().sh("ip route show 10.7.0.0/16"), "");
  });

  it("replaces on a new destination", async () => {
    const { id, outs } = await create(routeProvider, route({ destination: "10.6.0.0/16" }));
    assert.ok((await diff(routeProvider, id, outs, route({ destination: "10.5.0.0/16" }))).replaces.includes("destination"));
    await remove(routeProvider, id, outs);
  });
});

describe("fake host: NatRule", () => {
  const host = withFakeHost();
  type In = InputsOf<typeof natRuleProvider>;
  const snat = (over: Partial<In> = {}): In =>
    ({
      connection: host().connection,
      name: "snat-inside",
      chain: "POSTROUTING",
      target: "SNAT",
      source: "192.168.118.0/24",
      outInterface: "ens36",
      to: "12.0.0.20",
      ...over,
    }) as In;
  const rules = async () =>
    (await host().sh("iptables -t nat -S POSTROUTING"))
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("-A"));

  it("creates the rule and its boot unit, and deletes both", async () => {
    const { id, outs } = await create(natRuleProvider, snat());
    assert.equal((await rules()).length, 1);
    assert.match((await rules())[0], /-s 192\.168\.118\.0\/24 -o ens36 .*pulumi-lvs:snat-inside.* -j SNAT --to-source 12\.0\.0\.20/);
    assert.equal((await host().sh("systemctl is-enabled pulumi-lvs-nat-snat-inside.service")).trim(), "enabled");
    assert.deepEqual(await diff(natRuleProvider, id, outs, snat()), { changes: false, replaces: [] });
    await remove(natRuleProvider, id, outs);
    assert.deepEqual(await rules(), []);
    assert.equal((await host().exec("test -e /etc/systemd/system/pulumi-lvs-nat-snat-inside.service")).code, 1);
  });

  it("adopts the identical rule already there (one copy, not two)", async () => {
    const first = await create(natRuleProvider, snat());
    const second = await create(natRuleProvider, snat());
    assert.equal((await rules()).length, 1);
    await remove(natRuleProvider, second.id, second.outs);
    assert.deepEqual(await rules(), []);
    await remove(natRuleProvider, first.id, first.outs);
  });

  it("shows a rule deleted by hand as drift (present: false); update puts it back", async () => {
    const { id, outs } = await create(natRuleProvider, snat());
    await host().sh(`iptables -t nat -D ${(await rules())[0].slice(3)}`);
    const r = await read(natRuleProvider, id, outs);
    assert.equal(r.props.present, false);
    assert.equal((await diff(natRuleProvider, id, r.props, snat())).changes, true);
    const fixed = await update(natRuleProvider, id, r.props, snat());
    assert.equal((await rules()).length, 1);
    await remove(natRuleProvider, id, fixed);
  });

  it("replaces on any rule field, deleting first when the name stays", async () => {
    const { id, outs } = await create(natRuleProvider, snat());
    const d = await fullDiff(natRuleProvider, id, outs, snat({ to: "12.0.0.21" }));
    assert.deepEqual(d.replaces, ["to"]);
    assert.equal(d.deleteBeforeReplace, true);
    await remove(natRuleProvider, id, outs);
  });
});
