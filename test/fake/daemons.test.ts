// KeepalivedInstance, HaproxyListener and NginxSite against a fake host: the
// providers' real scripts (stock files saved, the main file managed, each
// include validated among the others before it goes live, reload, the last
// one removed puts the stock files and the unit's state back), with the
// daemons' config tests and systemctl as stand-ins. A config holding
// FAKEHOST_INVALID fails the stand-in's config test.
import * as assert from "node:assert/strict";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import { haproxyListenerProvider } from "../../providers/haproxy/haproxyListener";
import { keepalivedInstanceProvider } from "../../providers/keepalived/keepalivedInstance";
import { nginxSiteProvider } from "../../providers/nginx/nginxSite";
import { IncludeProps } from "../../providers/files/includeProvider";
import { ConnectionArgs } from "../../providers/transport/types";
import { create, diff, fullDiff, read, remove, update, withFakeHost } from "./lifecycle";

interface DaemonCase<P extends IncludeProps> {
  kind: string;
  provider: ResourceProvider<P, P>;
  unit: string;
  main: string;
  /** The include file of resource `name`. */
  include(name: string): string;
  /** Valid inputs named `name`; `variant` 1 differs in an in-place field; "invalid" fails the config test. */
  inputs(c: ConnectionArgs, name: string, variant: 0 | 1 | "invalid"): P;
}

const noWait = { probe: { type: "none" as const } };

const vrrp = {
  name: "VI_1",
  state: "MASTER",
  interface: "ens33",
  virtualRouterId: 51,
  priority: 120,
  virtualIpaddress: [{ address: "192.168.118.100" }],
};
const keepalived: DaemonCase<IncludeProps> = {
  kind: "KeepalivedInstance",
  provider: keepalivedInstanceProvider as unknown as ResourceProvider<IncludeProps, IncludeProps>,
  unit: "keepalived",
  main: "/etc/keepalived/keepalived.conf",
  include: (n) => `/etc/keepalived/conf.d/${n}.conf`,
  inputs: (connection, name, v) =>
    ({
      connection,
      name,
      readiness: noWait,
      vrrp: { ...vrrp, priority: v === 1 ? 110 : 120, name: v === "invalid" ? "FAKEHOST_INVALID" : "VI_1" },
    }) as IncludeProps,
};

const haproxy: DaemonCase<IncludeProps> = {
  kind: "HaproxyListener",
  provider: haproxyListenerProvider as unknown as ResourceProvider<IncludeProps, IncludeProps>,
  unit: "haproxy",
  main: "/etc/haproxy/haproxy.cfg",
  include: (n) => `/etc/haproxy/conf.d/${n}.cfg`,
  inputs: (connection, name, v) =>
    ({
      connection,
      name,
      readiness: noWait,
      bind: [{ port: 80 }],
      balance: v === 1 ? "static-rr" : "roundrobin",
      servers: [{ name: v === "invalid" ? "FAKEHOST_INVALID" : "rs1", address: "192.168.118.30", port: 80 }],
    }) as IncludeProps,
};

const nginx: DaemonCase<IncludeProps> = {
  kind: "NginxSite",
  provider: nginxSiteProvider as unknown as ResourceProvider<IncludeProps, IncludeProps>,
  unit: "nginx",
  main: "/etc/nginx/nginx.conf",
  include: (n) => `/etc/nginx/conf.d/${n}.conf`,
  inputs: (connection, name, v) =>
    ({
      connection,
      name,
      readiness: noWait,
      listen: v === 1 ? 8081 : 8080,
      locations: [{ match: v === "invalid" ? "/FAKEHOST_INVALID" : "/" }],
    }) as IncludeProps,
};

for (const k of [keepalived, haproxy, nginx]) {
  describe(`fake host: ${k.kind}`, () => {
    const host = withFakeHost();
    const c = () => host().connection;
    const cat = async (p: string) => (await host().exec(`cat ${p}`)).stdout;
    const units = () => host().unit(k.unit);
    let stockMain = "";

    before(async () => {
      await host().sh(`mkdir -p $(dirname ${k.main}) && printf '# stock ${k.unit} config\\n' > ${k.main}.stock-test`);
      stockMain = await cat(k.main);
    });

    it("creates (validated, reloaded), updates in place, and the last delete restores the stock files and the unit", async () => {
      const before = (await units()).reloads;
      const { id, outs } = await create(k.provider, k.inputs(c(), "web", 0));
      const first = await cat(k.include("web"));
      assert.notEqual(first, "");
      assert.notEqual(await cat(k.main), "");
      assert.equal((await units()).active, true);
      assert.deepEqual(await diff(k.provider, id, outs, k.inputs(c(), "web", 0)), { changes: false, replaces: [] });
      assert.deepEqual(await diff(k.provider, id, outs, k.inputs(c(), "web", 1)), { changes: true, replaces: [] });
      const after = await update(k.provider, id, outs, k.inputs(c(), "web", 1));
      assert.notEqual(await cat(k.include("web")), first);
      assert.ok((await units()).reloads > before, "the daemon was reloaded");
      await remove(k.provider, id, after);
      assert.equal(await cat(k.include("web")), "");
      assert.equal(await cat(k.main), stockMain);
      assert.deepEqual({ active: (await units()).active, enabled: (await units()).enabled }, { active: true, enabled: true });
    });

    it("adopts an identical include file already in place (no change, no reload)", async () => {
      const { id, outs } = await create(k.provider, k.inputs(c(), "same", 0));
      const reloads = (await units()).reloads;
      const again = await create(k.provider, k.inputs(c(), "same", 0));
      assert.equal(again.outs.sha256, outs.sha256);
      assert.equal((await units()).reloads, reloads);
      await remove(k.provider, id, outs);
    });

    it("refuses a config the daemon's own test rejects, before it goes live (validate before swap)", async () => {
      const { id, outs } = await create(k.provider, k.inputs(c(), "guarded", 0));
      const live = await cat(k.include("guarded"));
      const reloads = (await units()).reloads;
      await assert.rejects(update(k.provider, id, outs, k.inputs(c(), "guarded", "invalid")), /FAKEHOST_INVALID|test failed/);
      assert.equal(await cat(k.include("guarded")), live);
      assert.equal((await units()).reloads, reloads);
      await assert.rejects(create(k.provider, k.inputs(c(), "other", "invalid")));
      assert.equal(await cat(k.include("other")), "");
      await remove(k.provider, id, outs);
    });

    it("shows a hand edit and a stopped daemon as drift on refresh; update repairs both", async () => {
      const { id, outs } = await create(k.provider, k.inputs(c(), "drift", 0));
      await host().sh(`echo '# edited by hand' >> ${k.include("drift")} && systemctl stop ${k.unit}`);
      const r = await read(k.provider, id, outs);
      assert.notEqual(r.props.sha256, outs.sha256);
      assert.equal(r.props.running, false);
      assert.equal((await diff(k.provider, id, r.props, k.inputs(c(), "drift", 0))).changes, true);
      const fixed = await update(k.provider, id, r.props, k.inputs(c(), "drift", 0));
      assert.equal((await read(k.provider, id, fixed)).props.sha256, outs.sha256);
      assert.equal((await units()).active, true);
      await remove(k.provider, id, fixed);
    });

    it("replaces on a new name, deleting first", async () => {
      const { id, outs } = await create(k.provider, k.inputs(c(), "old", 0));
      const d = await fullDiff(k.provider, id, outs, k.inputs(c(), "new", 0));
      assert.deepEqual(d.replaces, ["name"]);
      assert.equal(d.deleteBeforeReplace, true);
      await remove(k.provider, id, outs);
    });
  });
}
