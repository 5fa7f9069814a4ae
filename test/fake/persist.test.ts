// `persist: false` against a fake host: objects kept live only, as a
// hand-built load balancer leaves them (`ifconfig ens33:0 VIP`, `echo 1 >
// /proc/sys/...`, `route add`, `iptables -t nat -A`), adopted by the import
// option without a boot unit or an /etc/sysctl.d file; turning persist on
// later installs the unit (or file) in place, turning it off removes it.
import * as assert from "node:assert/strict";
import { ADOPT_KEY } from "../../providers/common/define";
import { NAT_RULE, natRuleProvider } from "../../providers/nat/natRule";
import { ROUTE, routeProvider } from "../../providers/route/route";
import { SYSCTL_SET, sysctlSetProvider } from "../../providers/sysctl/sysctlSet";
import { VIP_ALIAS, vipAliasProvider } from "../../providers/vip/vipAlias";
import { create, diff, InputsOf, read, remove, update, withFakeHost } from "./lifecycle";

const adopting = <T extends object>(id: string, inputs: T): T => ({ ...inputs, [ADOPT_KEY]: id });

describe("fake host: persist false (live only) and adoption of hand-built objects", function () {
  // As test/.mocharc.fake.json sets: a fake host's commands take a while under load.
  this.timeout(60_000);
  const host = withFakeHost();
  /** Whether a file exists on the fake host. */
  const exists = async (path: string) => (await host().exec(`test -e ${path}`)).code === 0;
  const enabled = async (unit: string) => (await host().exec(`systemctl is-enabled ${unit}`)).code === 0;

  describe("VipAlias", () => {
    type In = InputsOf<typeof vipAliasProvider>;
    const vip = (over: Partial<In> = {}): In =>
      ({ connection: host().connection, address: "192.168.118.100", prefix: 32, interface: "lo", label: "lo:0", ...over }) as In;
    const unit = "pulumi-lvs-vip-lo-0.service";
    const unitFile = `/etc/systemd/system/${unit}`;
    const addrs = async () => (await host().sh("ip -o addr show dev lo")).split("\n").filter((l) => l.includes("192.168."));
    /** The addresses, the routes and the unit: adoption may change none. */
    const snapshot = async () =>
      `${(await addrs()).join("\n")}\n${await host().sh("ip route show")}\nunit: ${await exists(unitFile)} ${await enabled(unit)}`;

    afterEach(async () => {
      await host().exec(`ip addr del 192.168.118.100/32 dev lo; systemctl disable ${unit}; rm -f ${unitFile}`);
    });

    it("creates the address only (no unit), reports no drift for the missing unit, and deletes it", async () => {
      const { id, outs } = await create(vipAliasProvider, vip({ persist: false }));
      assert.equal((await addrs()).length, 1);
      assert.equal(await exists(unitFile), false);
      assert.equal(await enabled(unit), false);
      assert.equal(outs.persisted, false);
      const r = await read(vipAliasProvider, id, outs);
      assert.equal(r.props.assigned, true);
      assert.equal(r.props.persisted, false);
      assert.deepEqual(await diff(vipAliasProvider, id, r.props, vip({ persist: false })), { changes: false, replaces: [] });
      await remove(vipAliasProvider, id, r.props);
      assert.deepEqual(await addrs(), []);
    });

    it("adopts a hand-built alias (no unit) with persist false, changing nothing; refuses it with persist true (the default)", async () => {
      await host().sh("ip addr add 192.168.118.100/32 dev lo label lo:0");
      const before = await snapshot();
      const id = VIP_ALIAS.id!(vip());
      for (const inputs of [vip(), vip({ persist: true })])
        await assert.rejects(
          create(vipAliasProvider, adopting(id, inputs)),
          /VipAlias \S+ \(import\): the live object differs from the program in its live state \(what refresh reports as drift\); nothing was changed/,
        );
      assert.equal(await snapshot(), before);
      const { outs } = await create(vipAliasProvider, adopting(id, vip({ persist: false })));
      assert.equal(await snapshot(), before, "the host changed");
      assert.equal(outs.persisted, false);
      assert.deepEqual(await diff(vipAliasProvider, id, outs, adopting(id, vip({ persist: false }))), { changes: false, replaces: [] });
      const r = await read(vipAliasProvider, id, outs);
      assert.deepEqual(await diff(vipAliasProvider, id, r.props, vip({ persist: false })), { changes: false, replaces: [] });
    });

    it("turning persist on installs the unit in place; turning it off removes the unit and keeps the address", async () => {
      const { id, outs } = await create(vipAliasProvider, vip({ persist: false }));
      assert.deepEqual(await diff(vipAliasProvider, id, outs, vip({ persist: true })), { changes: true, replaces: [] });
      assert.deepEqual(await diff(vipAliasProvider, id, outs, vip()), { changes: true, replaces: [] });
      const on = await update(vipAliasProvider, id, outs, vip());
      assert.equal(on.persisted, true);
      assert.equal(await exists(unitFile), true);
      assert.equal(await enabled(unit), true);
      assert.equal((await addrs()).length, 1);
      assert.equal((await read(vipAliasProvider, id, on)).props.persisted, true);
      const off = await update(vipAliasProvider, id, on, vip({ persist: false }));
      assert.equal(off.persisted, false);
      assert.equal(await exists(unitFile), false);
      assert.equal(await enabled(unit), false);
      assert.equal((await addrs()).length, 1);
      // Another change with persist false installs no unit.
      const routed = await update(vipAliasProvider, id, off, vip({ persist: false, hostRoute: true }));
      assert.equal(await exists(unitFile), false);
      assert.match(await host().sh("ip route show 192.168.118.100/32"), /^192\.168\.118\.100 dev lo/);
      await remove(vipAliasProvider, id, routed);
      assert.deepEqual(await addrs(), []);
      assert.equal(await host().sh("ip route show 192.168.118.100/32"), "");
    });

    it("shows no diff between persist absent and persist true", async () => {
      const { id, outs } = await create(vipAliasProvider, vip());
      assert.equal(await exists(unitFile), true);
      assert.deepEqual(await diff(vipAliasProvider, id, outs, vip({ persist: true })), { changes: false, replaces: [] });
      const withTrue = await create(vipAliasProvider, vip({ persist: true }));
      assert.deepEqual(await diff(vipAliasProvider, id, withTrue.outs, vip()), { changes: false, replaces: [] });
      await remove(vipAliasProvider, id, outs);
      assert.equal(await exists(unitFile), false);
    });

    it("delete removes a unit left by an earlier persist true, and succeeds without one", async () => {
      const { id, outs } = await create(vipAliasProvider, vip());
      await remove(vipAliasProvider, id, { ...outs, persist: false });
      assert.equal(await exists(unitFile), false);
      assert.deepEqual(await addrs(), []);
      await remove(vipAliasProvider, id, { ...outs, persist: false });
    });
  });

  describe("SysctlSet", () => {
    type In = InputsOf<typeof sysctlSetProvider>;
    const set = (over: Partial<In> = {}): In =>
      ({ connection: host().connection, name: "90-live", values: { "net.ipv4.ip_forward": "1" }, ...over }) as In;
    const conf = "/etc/sysctl.d/90-live.conf";
    const live = async (k: string) => (await host().sh(`sysctl -n ${k}`)).trim();

    afterEach(async () => {
      await host().exec(`sysctl -w net.ipv4.ip_forward=0; rm -f ${conf}`);
    });

    it("creates the values live only (no file), records previous, and restores it at delete", async () => {
      const { id, outs } = await create(sysctlSetProvider, set({ persist: false }));
      assert.equal(await live("net.ipv4.ip_forward"), "1");
      assert.equal(await exists(conf), false);
      assert.deepEqual(outs.previous, { "net.ipv4.ip_forward": "0" });
      assert.equal(outs.persisted, false);
      const r = await read(sysctlSetProvider, id, outs);
      assert.equal(r.id, id);
      assert.equal(r.props.persisted, false);
      assert.deepEqual(await diff(sysctlSetProvider, id, r.props, set({ persist: false })), { changes: false, replaces: [] });
      await remove(sysctlSetProvider, id, r.props);
      assert.equal(await live("net.ipv4.ip_forward"), "0");
    });

    it("adopts values set by hand (no file) with persist false, changing nothing; refuses them with persist true; delete leaves them", async () => {
      await host().sh("echo 1 > /proc/sys/net/ipv4/ip_forward");
      const id = SYSCTL_SET.id!(set());
      for (const inputs of [set(), set({ persist: true })])
        await assert.rejects(create(sysctlSetProvider, adopting(id, inputs)), /differs from the program in its live state/);
      const { outs } = await create(sysctlSetProvider, adopting(id, set({ persist: false })));
      assert.equal(await exists(conf), false);
      assert.equal(await live("net.ipv4.ip_forward"), "1");
      assert.equal(outs.previous, undefined, "an adopted set records no previous values");
      assert.deepEqual(await diff(sysctlSetProvider, id, outs, adopting(id, set({ persist: false }))), { changes: false, replaces: [] });
      await remove(sysctlSetProvider, id, outs);
      assert.equal(await live("net.ipv4.ip_forward"), "1", "delete changed an adopted value");
      assert.equal(await exists(conf), false);
    });

    it("an adopted set's update records the live values it changes, and its delete puts back the adopted ones", async () => {
      await host().sh("echo 1 > /proc/sys/net/ipv4/ip_forward");
      const id = SYSCTL_SET.id!(set());
      const { outs } = await create(sysctlSetProvider, adopting(id, set({ persist: false })));
      const more = set({ persist: false, values: { "net.ipv4.ip_forward": "1", "net.ipv4.conf.lo.arp_ignore": "1" } });
      const after = await update(sysctlSetProvider, id, outs, more);
      assert.equal(await live("net.ipv4.conf.lo.arp_ignore"), "1");
      await remove(sysctlSetProvider, id, after);
      assert.equal(await live("net.ipv4.ip_forward"), "1");
      assert.equal(await live("net.ipv4.conf.lo.arp_ignore"), "0");
    });

    it("turning persist on writes the file in place; turning it off removes it and keeps the values", async () => {
      const { id, outs } = await create(sysctlSetProvider, set({ persist: false }));
      assert.deepEqual(await diff(sysctlSetProvider, id, outs, set()), { changes: true, replaces: [] });
      const on = await update(sysctlSetProvider, id, outs, set());
      assert.equal(on.persisted, true);
      assert.match(await host().sh(`cat ${conf}`), /^net\.ipv4\.ip_forward = 1$/m);
      assert.equal((await read(sysctlSetProvider, id, on)).props.persisted, true);
      assert.deepEqual(on.previous, { "net.ipv4.ip_forward": "0" });
      const off = await update(sysctlSetProvider, id, on, set({ persist: false }));
      assert.equal(off.persisted, false);
      assert.equal(await exists(conf), false);
      assert.equal(await live("net.ipv4.ip_forward"), "1");
      await remove(sysctlSetProvider, id, off);
      assert.equal(await live("net.ipv4.ip_forward"), "0");
    });

    it("shows no diff between persist absent and persist true", async () => {
      const { id, outs } = await create(sysctlSetProvider, set());
      assert.equal(await exists(conf), true);
      assert.deepEqual(await diff(sysctlSetProvider, id, outs, set({ persist: true })), { changes: false, replaces: [] });
      assert.deepEqual(await diff(sysctlSetProvider, id, { ...outs, persist: true }, set()), { changes: false, replaces: [] });
      await remove(sysctlSetProvider, id, outs);
      assert.equal(await exists(conf), false);
    });
  });

  describe("Route", () => {
    type In = InputsOf<typeof routeProvider>;
    const route = (over: Partial<In> = {}): In =>
      ({ connection: host().connection, destination: "10.9.0.0/16", via: "192.168.118.20", dev: "ens33", ...over }) as In;
    const unitFile = "/etc/systemd/system/pulumi-lvs-route-10.9.0.0-16.service";

    it("adopts a hand-added route with persist false, changing nothing; persist on installs the unit; delete removes both", async () => {
      await host().sh("ip route replace 10.9.0.0/16 via 192.168.118.20 dev ens33");
      const id = ROUTE.id!(route());
      await assert.rejects(create(routeProvider, adopting(id, route())), /differs from the program in its live state/);
      const { outs } = await create(routeProvider, adopting(id, route({ persist: false })));
      assert.equal(await exists(unitFile), false);
      const r = await read(routeProvider, id, outs);
      assert.deepEqual(await diff(routeProvider, id, r.props, route({ persist: false })), { changes: false, replaces: [] });
      const on = await update(routeProvider, id, r.props, route());
      assert.equal(await exists(unitFile), true);
      assert.equal((await read(routeProvider, id, on)).props.persisted, true);
      await remove(routeProvider, id, on);
      assert.equal(await exists(unitFile), false);
      assert.equal(await host().sh("ip route show 10.9.0.0/16"), "");
    });

    it("creates the route only with persist false", async () => {
      const { id, outs } = await create(routeProvider, route({ persist: false }));
      assert.equal(await exists(unitFile), false);
      assert.equal((await host().sh("ip route show 10.9.0.0/16")).trim(), "10.9.0.0/16 via 192.168.118.20 dev ens33");
      await remove(routeProvider, id, outs);
      assert.equal(await host().sh("ip route show 10.9.0.0/16"), "");
    });
  });

  describe("NatRule", () => {
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
    const unitFile = "/etc/systemd/system/pulumi-lvs-nat-snat-inside.service";
    const rules = async () =>
      (await host().sh("iptables -t nat -S POSTROUTING"))
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("-A"));

    it("creates the rule only with persist false; persist on installs the unit, off removes it and keeps the rule", async () => {
      const { id, outs } = await create(natRuleProvider, snat({ persist: false }));
      assert.equal((await rules()).length, 1);
      assert.equal(await exists(unitFile), false);
      assert.equal(NAT_RULE.id!(snat()), id);
      const r = await read(natRuleProvider, id, outs);
      assert.deepEqual(await diff(natRuleProvider, id, r.props, snat({ persist: false })), { changes: false, replaces: [] });
      assert.deepEqual(await diff(natRuleProvider, id, r.props, snat()), { changes: true, replaces: [] });
      const on = await update(natRuleProvider, id, r.props, snat());
      assert.equal(await exists(unitFile), true);
      const off = await update(natRuleProvider, id, on, snat({ persist: false }));
      assert.equal(await exists(unitFile), false);
      assert.equal((await rules()).length, 1);
      await remove(natRuleProvider, id, off);
      assert.deepEqual(await rules(), []);
    });
  });
});
