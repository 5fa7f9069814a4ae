// KernelModule against a fake host: modprobe's stand-in marks a module loaded
// under the fake host's private /sys/module; the boot file is written in its
// overlay of /etc.
import * as assert from "node:assert/strict";
import { kernelModuleProvider } from "../../providers/module/kernelModule";
import { create, diff, InputsOf, read, remove, update, withFakeHost } from "./lifecycle";

const CONF = "/etc/modules-load.d/pulumi-lvs-ipip.conf";

describe("fake host: KernelModule", () => {
  const host = withFakeHost();
  type In = InputsOf<typeof kernelModuleProvider>;
  const mod = (over: Partial<In> = {}): In => ({ connection: host().connection, name: "ipip", ...over }) as In;
  const loaded = async (name: string) => (await host().exec(`test -d /sys/module/${name}`)).code === 0;

  it("loads the module and writes its boot file; no change on a second diff; delete removes the file and leaves it loaded", async () => {
    assert.equal(await loaded("ipip"), false);
    const { id, outs } = await create(kernelModuleProvider, mod());
    assert.equal(await loaded("ipip"), true);
    assert.match(await host().sh(`cat ${CONF}`), /^# Managed by pulumi-lvs[^\n]*\nipip\n$/);
    assert.deepEqual(await diff(kernelModuleProvider, id, outs, mod()), { changes: false, replaces: [] });
    assert.deepEqual((await diff(kernelModuleProvider, id, outs, mod({ name: "ip_gre" }))).replaces, ["name"]);
    await remove(kernelModuleProvider, id, outs);
    assert.equal((await host().exec(`test -e ${CONF}`)).code, 1);
    assert.equal(await loaded("ipip"), true, "a module is not unloaded: tunnels may use it");
  });

  it("refresh finds an unloaded module and a deleted boot file (drift); update mends both", async () => {
    const { id, outs } = await create(kernelModuleProvider, mod());
    await host().sh(`rmdir /sys/module/ipip && rm ${CONF}`);
    const r = await read(kernelModuleProvider, id, outs);
    assert.equal(r.id, "", "neither loaded nor persisted: gone");
    await create(kernelModuleProvider, mod());
    await host().sh(`rm ${CONF}`);
    const drifted = await read(kernelModuleProvider, id, outs);
    assert.equal(drifted.props.loaded, true);
    assert.equal(drifted.props.persisted, false);
    assert.equal((await diff(kernelModuleProvider, id, drifted.props, mod())).changes, true);
    const mended = await update(kernelModuleProvider, id, drifted.props, mod());
    assert.equal(mended.persisted, true);
    assert.equal((await host().exec(`test -e ${CONF}`)).code, 0);
    await host().sh("rmdir /sys/module/ipip");
    const unloaded = await read(kernelModuleProvider, id, mended);
    assert.equal(unloaded.props.loaded, false);
    assert.equal((await diff(kernelModuleProvider, id, unloaded.props, mod())).changes, true);
    await update(kernelModuleProvider, id, unloaded.props, mod());
    assert.equal(await loaded("ipip"), true);
  });

  it("persist false: loaded now, no boot file, and turning it off removes the file", async () => {
    const { id, outs } = await create(kernelModuleProvider, mod());
    const after = await update(kernelModuleProvider, id, outs, mod({ persist: false }));
    assert.equal(after.persisted, false);
    assert.equal((await host().exec(`test -e ${CONF}`)).code, 1);
    const r = await read(kernelModuleProvider, id, after);
    assert.equal((await diff(kernelModuleProvider, id, r.props, mod({ persist: false }))).changes, false, "no file is no drift");
  });

  it("a module the kernel lacks fails the create, naming the host, the module and modprobe's message; nothing is written", async () => {
    await assert.rejects(
      create(kernelModuleProvider, mod({ name: "nosuch_tunnel" })),
      (e: Error) =>
        e.message.includes(`ssh ${host().target}: kernel module nosuch_tunnel is not available`) &&
        /Module nosuch_tunnel not found/.test(e.message),
    );
    assert.equal((await host().exec("test -e /etc/modules-load.d/pulumi-lvs-nosuch_tunnel.conf")).code, 1);
  });
});
