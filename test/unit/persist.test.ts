// `persist` on VipAlias, Route, NatRule and SysctlSet: the drift rule (a
// missing boot unit or sysctl.d file is drift only when the object persists),
// what create and update do with the unit, and the diff (absent is true).
import { strict as assert } from "node:assert";
import { NAT_RULE } from "../../providers/nat/natRule";
import { ROUTE } from "../../providers/route/route";
import { deriveDiff, fieldsOf, KindDecl } from "../../providers/common/define";
import { sysctlDrift } from "../../providers/sysctl/core";
import { SYSCTL_SET } from "../../providers/sysctl/sysctlSet";
import { bootUnitDrift, bootUnitStep, persistForm, persists } from "../../providers/system/bootUnit";
import { VIP_ALIAS } from "../../providers/vip/vipAlias";

const connection = { host: "h", user: "root" };

describe("persist", () => {
  it("is an in-place update field of the four kinds", () => {
    for (const d of [VIP_ALIAS, ROUTE, NAT_RULE, SYSCTL_SET] as KindDecl<unknown>[]) {
      assert.ok(fieldsOf(d, "update").includes("persist"), d.type);
      assert.ok(!fieldsOf(d, "replace").includes("persist"), d.type);
    }
  });

  it("defaults to true", () => {
    assert.equal(persists({}), true);
    assert.equal(persists({ persist: true }), true);
    assert.equal(persists({ persist: false }), false);
    type P = { a: number; persist?: boolean };
    assert.deepEqual(persistForm<P>({ a: 1 }), { a: 1, persist: true });
    assert.deepEqual(persistForm<P>({ a: 1, persist: false }), { a: 1, persist: false });
  });

  it("boot units: a missing or edited unit is drift only when the object persists; a missing object always is", () => {
    const drift = bootUnitDrift<{ assigned?: boolean; persist?: boolean; persisted?: boolean }>((p) => p.assigned);
    assert.equal(drift({ assigned: true, persisted: true }), false);
    assert.equal(drift({ assigned: true, persisted: false }), true);
    assert.equal(drift({ assigned: true, persist: true, persisted: false }), true);
    assert.equal(drift({ assigned: true, persist: false, persisted: false }), false);
    // persist false: the unit is not looked at, present or not.
    assert.equal(drift({ assigned: true, persist: false, persisted: true }), false);
    assert.equal(drift({ assigned: false, persist: false, persisted: false }), true);
    assert.equal(drift({ assigned: false, persisted: true }), true);
    // Before a refresh (no outputs read): no drift.
    assert.equal(drift({ persist: false }), false);
  });

  it("sysctl: a missing or edited /etc/sysctl.d file is drift only when the set persists", () => {
    assert.equal(sysctlDrift({ persisted: false }), true);
    assert.equal(sysctlDrift({ persist: true, persisted: false }), true);
    assert.equal(sysctlDrift({ persist: false, persisted: false }), false);
    assert.equal(sysctlDrift({ persist: false, persisted: true }), false);
    assert.equal(sysctlDrift({ persisted: true }), false);
  });

  it("create and update install the unit when persisting, remove it when persist is turned off, else leave it", () => {
    assert.equal(bootUnitStep(undefined, {}), "install");
    assert.equal(bootUnitStep(undefined, { persist: true }), "install");
    assert.equal(bootUnitStep(undefined, { persist: false }), "none");
    assert.equal(bootUnitStep({ persist: false }, { persist: true }), "install");
    assert.equal(bootUnitStep({ persist: false }, {}), "install");
    assert.equal(bootUnitStep({}, { persist: true }), "install");
    assert.equal(bootUnitStep({ persist: true }, { persist: false }), "remove");
    assert.equal(bootUnitStep({}, { persist: false }), "remove");
    assert.equal(bootUnitStep({ persist: false }, { persist: false }), "none");
  });

  describe("diff", () => {
    const cases: [KindDecl<never>, Record<string, unknown>, Record<string, unknown>][] = [
      [VIP_ALIAS as KindDecl<never>, { address: "10.0.0.100", interface: "ens33", label: "ens33:0" }, { assigned: true }],
      [ROUTE as KindDecl<never>, { destination: "default", via: "192.168.118.20" }, { present: true }],
      [
        NAT_RULE as KindDecl<never>,
        { name: "snat", chain: "POSTROUTING", target: "SNAT", source: "192.168.118.0/24", to: "12.0.0.20" },
        { present: true },
      ],
      [SYSCTL_SET as KindDecl<never>, { name: "90-lvs", values: { "net.ipv4.ip_forward": "1" } }, { previous: {} }],
    ];
    const diffOf = async (d: KindDecl<never>, olds: Record<string, unknown>, news: Record<string, unknown>) => {
      const r = await deriveDiff(d)("id", olds as never, news as never);
      return { changes: r.changes, replaces: r.replaces };
    };

    for (const [decl, spec, live] of cases) {
      it(`${decl.type}: persist absent and true are the same; false is an in-place change; no unit with persist false is no drift`, async () => {
        const base = { connection, ...spec };
        const outs = (persist: boolean | undefined, persisted: boolean) => ({
          ...base,
          ...(persist === undefined ? {} : { persist }),
          ...live,
          persisted,
        });
        assert.deepEqual(await diffOf(decl, outs(undefined, true), { ...base, persist: true }), { changes: false, replaces: [] });
        assert.deepEqual(await diffOf(decl, outs(true, true), base), { changes: false, replaces: [] });
        assert.deepEqual(await diffOf(decl, outs(undefined, true), { ...base, persist: false }), { changes: true, replaces: [] });
        assert.deepEqual(await diffOf(decl, outs(false, false), base), { changes: true, replaces: [] });
        // Refresh found no unit (or no file): drift unless persist is false.
        assert.deepEqual(await diffOf(decl, outs(false, false), { ...base, persist: false }), { changes: false, replaces: [] });
        assert.deepEqual(await diffOf(decl, outs(undefined, false), base), { changes: true, replaces: [] });
      });
    }
  });

  it("check refuses a persist that is not a boolean", () => {
    for (const d of [VIP_ALIAS, ROUTE, NAT_RULE, SYSCTL_SET] as KindDecl<unknown>[]) {
      const spec = { address: "10.0.0.100", interface: "ens33", destination: "default", via: "192.168.118.20", name: "x" };
      const failures = d.check({ connection, ...spec, persist: "no" });
      assert.ok(
        failures.some((f) => f.property === "persist"),
        `${d.type}: ${JSON.stringify(failures)}`,
      );
    }
  });
});
