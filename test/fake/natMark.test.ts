// NatRule with target MARK against a fake host: the firewall mark an fwmark
// IPVS service groups ports by, in iptables' mangle table (PREROUTING), with
// its boot unit; refresh finds it in the mangle table (not nat), reports a
// rule deleted by hand or a unit removed as drift, and update puts them back.
import * as assert from "node:assert/strict";
import { NAT_RULE, natRuleProvider } from "../../providers/nat/natRule";
import { create, diff, fullDiff, InputsOf, read, remove, update, withFakeHost } from "./lifecycle";

describe("fake host: NatRule with target MARK (mangle table)", function () {
  // As test/.mocharc.fake.json sets: a fake host's commands take a while under load.
  this.timeout(60_000);
  const host = withFakeHost();
  type In = InputsOf<typeof natRuleProvider>;
  const mark = (over: Partial<In> = {}): In =>
    ({
      connection: host().connection,
      name: "fwmark",
      chain: "PREROUTING",
      target: "MARK",
      destination: "192.168.118.100",
      protocol: "tcp",
      ports: [80, 8080],
      mark: 1,
      ...over,
    }) as In;
  const unit = "pulumi-lvs-nat-fwmark.service";
  const unitFile = `/etc/systemd/system/${unit}`;
  /** The rule lines of a table's PREROUTING chain. */
  const rules = async (table: "mangle" | "nat") =>
    (await host().sh(`iptables -t ${table} -S PREROUTING`))
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("-A"));
  const exists = async (path: string) => (await host().exec(`test -e ${path}`)).code === 0;
  const enabled = async () => (await host().exec(`systemctl is-enabled ${unit}`)).code === 0;

  afterEach(async () => {
    // Whatever a failed test left: every copy of the rule, and the unit.
    await host().exec(
      `while iptables -w -t mangle -D PREROUTING $(iptables -t mangle -S PREROUTING | grep -m1 pulumi-lvs:fwmark | cut -d' ' -f3-) 2>/dev/null; do :; done; systemctl disable ${unit}; rm -f ${unitFile}`,
    );
  });

  it("creates the rule in the mangle table (none in nat) and its boot unit; no drift; deletes both", async () => {
    const { id, outs } = await create(natRuleProvider, mark());
    assert.equal(id, NAT_RULE.id!(mark()));
    assert.deepEqual(await rules("mangle"), [
      "-A PREROUTING -d 192.168.118.100 -p tcp -m multiport --dports 80,8080 -m comment --comment pulumi-lvs:fwmark -j MARK --set-mark 1",
    ]);
    assert.deepEqual(await rules("nat"), []);
    assert.equal(await enabled(), true);
    assert.match(await host().sh(`cat ${unitFile}`), /iptables -w -t mangle -C PREROUTING .* -j MARK --set-mark 1/);
    const r = await read(natRuleProvider, id, outs);
    assert.deepEqual([r.props.present, r.props.persisted], [true, true]);
    assert.deepEqual(await diff(natRuleProvider, id, r.props, mark()), { changes: false, replaces: [] });
    await remove(natRuleProvider, id, r.props);
    assert.deepEqual(await rules("mangle"), []);
    assert.equal(await exists(unitFile), false);
  });

  it("adopts the identical rule already there (one copy, not two)", async () => {
    const first = await create(natRuleProvider, mark());
    const second = await create(natRuleProvider, mark());
    assert.equal((await rules("mangle")).length, 1);
    await remove(natRuleProvider, second.id, second.outs);
    assert.deepEqual(await rules("mangle"), []);
    await remove(natRuleProvider, first.id, first.outs);
  });

  it("shows the rule deleted by hand as drift (present: false); update puts it back", async () => {
    const { id, outs } = await create(natRuleProvider, mark());
    await host().sh(`iptables -w -t mangle -D ${(await rules("mangle"))[0].slice(3)}`);
    const r = await read(natRuleProvider, id, outs);
    assert.equal(r.id, id, "the resource stays, as drift");
    assert.deepEqual([r.props.present, r.props.persisted], [false, true]);
    assert.deepEqual(await diff(natRuleProvider, id, r.props, mark()), { changes: true, replaces: [] });
    const fixed = await update(natRuleProvider, id, r.props, mark());
    assert.equal((await rules("mangle")).length, 1);
    const again = await read(natRuleProvider, id, fixed);
    assert.deepEqual([again.props.present, again.props.persisted], [true, true]);
    assert.deepEqual(await diff(natRuleProvider, id, again.props, mark()), { changes: false, replaces: [] });
    await remove(natRuleProvider, id, again.props);
  });

  it("shows a removed boot unit as drift (persisted: false); update reinstalls it", async () => {
    const { id, outs } = await create(natRuleProvider, mark());
    await host().sh(`systemctl disable ${unit}; rm -f ${unitFile}`);
    const r = await read(natRuleProvider, id, outs);
    assert.deepEqual([r.props.present, r.props.persisted], [true, false]);
    assert.equal((await diff(natRuleProvider, id, r.props, mark())).changes, true);
    const fixed = await update(natRuleProvider, id, r.props, mark());
    assert.equal(await exists(unitFile), true);
    assert.equal(await enabled(), true);
    assert.equal((await rules("mangle")).length, 1, "the rule is not added twice");
    await remove(natRuleProvider, id, fixed);
  });

  it("replaces on another mark or other ports, deleting first (the name, and so the comment and unit, stays)", async () => {
    const { id, outs } = await create(natRuleProvider, mark());
    for (const over of [{ mark: 2 }, { ports: [80, 443] }] as Partial<In>[]) {
      const d = await fullDiff(natRuleProvider, id, outs, mark(over));
      assert.deepEqual(d.replaces, Object.keys(over), JSON.stringify(over));
      assert.equal(d.deleteBeforeReplace, true);
    }
    await remove(natRuleProvider, id, outs);
    // The replacement: the old rule is gone before the new one is added.
    const next = await create(natRuleProvider, mark({ mark: 2 }));
    assert.deepEqual(await rules("mangle"), [
      "-A PREROUTING -d 192.168.118.100 -p tcp -m multiport --dports 80,8080 -m comment --comment pulumi-lvs:fwmark -j MARK --set-mark 2",
    ]);
    await remove(natRuleProvider, next.id, next.outs);
    assert.deepEqual(await rules("mangle"), []);
  });

  it("a SNAT rule next to it stays in the nat table; each read looks in its own table", async () => {
    const snat = {
      connection: host().connection,
      name: "snat-inside",
      chain: "POSTROUTING",
      target: "SNAT",
      source: "192.168.118.0/24",
      outInterface: "ens36",
      to: "12.0.0.20",
    } as In;
    const m = await create(natRuleProvider, mark());
    const s = await create(natRuleProvider, snat);
    assert.equal((await host().sh("iptables -t nat -S POSTROUTING")).includes("pulumi-lvs:snat-inside"), true);
    assert.equal((await host().sh("iptables -t mangle -S")).includes("pulumi-lvs:snat-inside"), false);
    assert.equal((await read(natRuleProvider, m.id, m.outs)).props.present, true);
    assert.equal((await read(natRuleProvider, s.id, s.outs)).props.present, true);
    await remove(natRuleProvider, s.id, s.outs);
    assert.equal((await read(natRuleProvider, m.id, m.outs)).props.present, true, "the MARK rule is left alone");
    await remove(natRuleProvider, m.id, m.outs);
  });
});
