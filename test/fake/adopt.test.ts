// Adoption: a resource declared with the `import` option takes over an
// object built by hand on the host (the seed's commands) without changing
// the host, and refuses, changing nothing, when the live object differs.
import * as assert from "node:assert/strict";
import { ADOPT_KEY } from "../../providers/common/define";
import { IPVS_REAL_SERVER, ipvsRealServerProvider } from "../../providers/ipvs/realServer";
import { IPVS_SERVICE, ipvsServiceProvider } from "../../providers/ipvs/service";
import { renderSysctlConf } from "../../providers/sysctl/core";
import { SYSCTL_SET, sysctlSetProvider } from "../../providers/sysctl/sysctlSet";
import { targetOf } from "../../providers/transport/types";
import { create, diff, InputsOf, withFakeHost } from "./lifecycle";

type ServiceInputs = InputsOf<typeof ipvsServiceProvider>;
type ServerInputs = InputsOf<typeof ipvsRealServerProvider>;
type SysctlInputs = InputsOf<typeof sysctlSetProvider>;

describe("fake host: adoption by the import option", () => {
  const host = withFakeHost();
  const svc = (over: Partial<ServiceInputs> = {}): ServiceInputs =>
    ({ connection: host().connection, protocol: "tcp", address: "10.0.0.100", port: 80, scheduler: "rr", ...over }) as ServiceInputs;
  /** The IPVS table and whether the boot rules file exists: adoption may change neither. */
  const snapshot = async () =>
    `${(await host().sh("ipvsadm -Sn")).trim()}\nrules file: ${(await host().exec("test -e /etc/ipvsadm.rules")).code}`;
  const adopting = <T extends object>(id: string, inputs: T): T => ({ ...inputs, [ADOPT_KEY]: id });

  afterEach(async () => {
    await host().sh("ipvsadm -C; rm -f /etc/ipvsadm.rules");
  });

  it("IpvsService: adopts the hand-built service as it is, and a later diff of the same inputs is empty", async () => {
    await host().sh("ipvsadm -A -t 10.0.0.100:80 -s rr");
    const before = await snapshot();
    // The id: the host's user@host:port, then the service key.
    const named = `${targetOf(host().connection)}/tcp 10.0.0.100:80`;
    assert.equal(IPVS_SERVICE.id!(svc()), named);
    const { id, outs } = await create(ipvsServiceProvider, adopting(named, svc()));
    assert.equal(id, named);
    assert.equal(await snapshot(), before, "the host changed");
    assert.deepEqual(await diff(ipvsServiceProvider, id, outs, adopting(id, svc())), { changes: false, replaces: [] });
  });

  it("IpvsService: refuses a live service with other settings, naming each, and leaves it alone", async () => {
    await host().sh("ipvsadm -A -t 10.0.0.100:80 -s wlc -p 300");
    const before = await snapshot();
    await assert.rejects(
      create(ipvsServiceProvider, adopting(IPVS_SERVICE.id!(svc()), svc())),
      /IpvsService \S+\/tcp 10\.0\.0\.100:80 \(import\): the live object differs from the program in scheduler \(live "wlc", declared "rr"\), persistence \(live 300, declared null\); nothing was changed/,
    );
    assert.equal(await snapshot(), before);
  });

  it("IpvsService: refuses when there is nothing to adopt, and creates nothing", async () => {
    await assert.rejects(
      create(ipvsServiceProvider, adopting(IPVS_SERVICE.id!(svc()), svc())),
      /nothing on the host to adopt, nothing was changed/,
    );
    assert.equal(await snapshot(), "\nrules file: 1");
  });

  it("refuses an import id that names another object than the inputs, and gives the right one", async () => {
    await host().sh("ipvsadm -A -t 10.0.0.100:80 -s rr");
    const err = await create(ipvsServiceProvider, adopting("root@director:22/tcp 10.0.0.100:80", svc())).then(
      () => assert.fail("adopted"),
      (e: Error) => e.message,
    );
    assert.ok(err.endsWith(`nothing was changed. Give the import id ${IPVS_SERVICE.id!(svc())}`), err);
    assert.equal(await snapshot(), "-A -t 10.0.0.100:80 -s rr\nrules file: 1");
  });

  it("IpvsRealServer: adopts a hand-added DR real server; a different weight is refused", async () => {
    await host().sh("ipvsadm -A -t 10.0.0.100:80 -s rr && ipvsadm -a -t 10.0.0.100:80 -r 192.168.1.11:80 -g -w 2");
    const before = await snapshot();
    const rs = (weight: number) =>
      ({
        connection: host().connection,
        service: { protocol: "tcp", address: "10.0.0.100", port: 80 },
        address: "192.168.1.11",
        port: 80,
        method: "route",
        weight,
      }) as ServerInputs;
    await assert.rejects(
      create(ipvsRealServerProvider, adopting(IPVS_REAL_SERVER.id!(rs(1)), rs(1))),
      /differs from the program in weight \(live 2, declared 1\)/,
    );
    await create(ipvsRealServerProvider, adopting(IPVS_REAL_SERVER.id!(rs(2)), rs(2)));
    assert.equal(await snapshot(), before);
  });

  it("SysctlSet: adopts live values whose file is as pulumi-lvs writes it; a hand-written file is refused as drift (for now)", async () => {
    const set = { connection: host().connection, name: "90-lvs", values: { "net.ipv4.ip_forward": "1" } } as SysctlInputs;
    await host().sh("echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-lvs.conf && sysctl -w net.ipv4.ip_forward=1");
    await assert.rejects(create(sysctlSetProvider, adopting(SYSCTL_SET.id!(set), set)), /differs from the program in its live state/);
    await host().sh(
      `printf '%b' ${JSON.stringify(renderSysctlConf("90-lvs", { "net.ipv4.ip_forward": "1" }))} > /etc/sysctl.d/90-lvs.conf`,
    );
    const file = await host().sh("cat /etc/sysctl.d/90-lvs.conf");
    const { outs } = await create(sysctlSetProvider, adopting(SYSCTL_SET.id!(set), set));
    assert.deepEqual((outs as SysctlInputs).values, { "net.ipv4.ip_forward": "1" });
    assert.equal(await host().sh("cat /etc/sysctl.d/90-lvs.conf"), file);
    await host().sh("sysctl -w net.ipv4.ip_forward=0; rm -f /etc/sysctl.d/90-lvs.conf");
  });
});
