// The components (stacks/components/) under Pulumi's mocks, as @pulumi/awsx
// tests its components: no engine, no host. Each component is built with hosts
// made here; the test checks its children (type, name, URN), their key inputs
// as the engine would receive them, that each child's parent is the component,
// their dependsOn, and the outputs the component registers.
//
// How it sees what it checks, with the SDK's public API only:
// - the resources a component creates: a `transformations` entry in the
//   component's options, which the SDK applies to the component and to every
//   resource parented (directly or below) to it, with the options each was
//   given: `opts.parent` and `opts.dependsOn` are the objects the component
//   passed. A child left without a parent is not seen there (and its URN has
//   no component type), so the lists of names below would fail;
// - the inputs: the mocks' `newResource` (inputs serialized and deserialized
//   as for the engine: secrets stay marked secret);
// - the URNs: each resource's `urn`, from the mock monitor, which builds them
//   as the engine does (the parent's type chain, then the name): the tests pin
//   them, so a change of name or parent (a replacement in existing stacks) fails;
// - the registered outputs: the mock monitor's registerResourceOutputs,
//   wrapped to hand over what it receives (resource references as URNs).
//
// setMocks is process-wide: before() sets it and after() puts the runtime's
// options back as they were (no monitor), for the other unit files of the
// tier, which run in the same process.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import type { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { KIND_NAMES, KINDS } from "../../providers/registry";
import { setTransportFactory } from "../../providers/transport/seam";
import { ADOPT_KEY, IMPORT_AS_DECLARED } from "../../providers/common/define";
import type { ConnectionArgs } from "../../providers";
import {
  DR_ARP_SYSCTLS,
  DrCluster,
  drDirectorSysctls,
  drRealServer,
  HaproxyTier,
  type ClusterHost,
  type Host,
  masterBackup,
  NatCluster,
  NginxTomcat,
  VrrpGroup,
} from "../../stacks/components";
import { indexJsp } from "../../stacks/components/nginxTomcat";

const PROJECT = "project";
const STACK = "test";
const PIN = "SHA256:" + "A".repeat(43);
const { specialSigKey, specialSecretSig, specialResourceSig } = pulumi.runtime;

/** A host as hostsFromConfig() makes one: a secret connection, its addresses. */
function host(name: string, addresses: Record<string, string>): Host {
  const sshHost = Object.values(addresses)[0].split("/")[0];
  const connection = pulumi.secret<ConnectionArgs>({ host: sshHost, port: 22, user: "root", privateKey: "key", hostKeySha256: PIN });
  return { name, connection, addresses, sshHost, ssh: `ssh root@${sshHost}` };
}

/** The type token of a resource kind, or a component's. */
const kindType = (kind: string) => `pulumi-nodejs:dynamic/pulumi-lvs:${kind}`;
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/** The URN the engine gives a resource `name` of `type` under `parents` (types, outermost first). */
const urnOf = (type: string, name: string, ...parents: string[]) =>
  `urn:pulumi:${STACK}::${PROJECT}::${[...parents, type].join("$")}::${name}`;

/** Values as registered: resource references as their URN, secrets as { secret: value }. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[specialSigKey] === specialResourceSig) return o.urn;
    if (o[specialSigKey] === specialSecretSig) return { secret: plain(o.value) };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** The value of an input the engine receives as a secret (fails when it is not one). */
function secretValue(v: unknown, what: string): Record<string, unknown> {
  const o = v as Record<string, unknown>;
  assert.equal(o?.[specialSigKey], specialSecretSig, `${what} is not secret`);
  return o.value as Record<string, unknown>;
}

/** A resource a build created, as the engine sees it. */
interface Made {
  resource: pulumi.Resource;
  type: string;
  name: string;
  urn: string;
  parent: pulumi.Resource | undefined;
  dependsOn: pulumi.Resource[];
  /** As the mocks' newResource received them. */
  inputs: Record<string, unknown>;
}

interface Built<T> {
  component: T;
  urn: string;
  /** Every resource parented (directly or below) to the component, in creation order. */
  children: Made[];
  /** What the component registered with registerOutputs. */
  outputs: Record<string, unknown>;
  /** The child named `name` (fails when there is none). */
  child(name: string): Made;
}

/** What the mocks received: inputs by type and name; outputs by URN, once registered. */
const inputs = new Map<string, Record<string, unknown>>();
const registeredOutputs = new Map<string, Promise<Record<string, unknown>>>();
const outputWaiters = new Map<string, { resolve(o: Record<string, unknown>): void; reject(e: unknown): void }>();
/** Provider methods run and connections asked for: none may happen. */
const providerCalls: string[] = [];
const connections: string[] = [];

function outputsOf(urn: string): Promise<Record<string, unknown>> {
  let p = registeredOutputs.get(urn);
  if (!p) {
    p = new Promise((resolve, reject) => outputWaiters.set(urn, { resolve, reject }));
    registeredOutputs.set(urn, p);
  }
  return p;
}

/** A VM another provider makes: its addresses are Outputs. */
class Vm extends pulumi.CustomResource {
  declare readonly publicIp: pulumi.Output<string>;
  declare readonly privateIp: pulumi.Output<string>;
  constructor(name: string, args: { publicIp: string; privateIp: string }) {
    super("cloud:index:Vm", name, args);
  }
}

/** An Output's value, or its error. */
const promiseOf = <T>(o: pulumi.Output<T>) => (o as unknown as { promise(): Promise<T> }).promise();
const resolved = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

/** Runs `make` with options that record every resource it creates, waits for their registration, and returns them. */
async function record(make: (opts: pulumi.ResourceOptions) => void): Promise<Made[]> {
  const seen: { resource: pulumi.Resource; type: string; name: string; opts: pulumi.ResourceOptions }[] = [];
  make({
    transformations: [
      (a) => {
        seen.push({ resource: a.resource, type: a.type, name: a.name, opts: a.opts });
        return undefined;
      },
    ],
  });
  const urns = await Promise.all(seen.map((s) => resolved(s.resource.urn)));
  assert.deepEqual(providerCalls, [], "provider code ran");
  assert.deepEqual(connections, [], "a connection was asked for");
  return seen.map((s, i) => ({
    resource: s.resource,
    type: s.type,
    name: s.name,
    urn: urns[i],
    parent: s.opts.parent,
    dependsOn: ([] as unknown[]).concat(s.opts.dependsOn ?? []) as pulumi.Resource[],
    inputs: inputs.get(`${s.type}::${s.name}`) ?? {},
  }));
}

async function build<T extends pulumi.ComponentResource>(make: (opts: pulumi.ComponentResourceOptions) => T): Promise<Built<T>> {
  let component: T | undefined;
  const [self, ...children] = await record((opts) => {
    component = make(opts);
  });
  assert.ok(component && self.resource === component, "the component is the first resource recorded");
  const outputs = plain(await outputsOf(self.urn)) as Record<string, unknown>;
  return {
    component,
    urn: self.urn,
    children,
    outputs,
    child(name) {
      const c = children.find((x) => x.name === name);
      assert.ok(c, `no child ${name}; children: ${children.map((x) => x.name).join(", ")}`);
      return c;
    },
  };
}

/** Each child: its kind, its name, its URN under the component's type, and the component as its parent. */
function assertChildren(b: Built<pulumi.ComponentResource>, componentType: string, expected: [kind: string, name: string][]): void {
  assert.deepEqual(
    b.children.map((c) => [c.type === RANDOM_PASSWORD ? "RandomPassword" : c.type.replace(kindType(""), ""), c.name]),
    expected,
  );
  for (const c of b.children) {
    assert.equal(c.parent, b.component, `${c.name}'s parent`);
    assert.equal(c.urn, urnOf(c.type, c.name, componentType), `${c.name}'s URN`);
  }
}

/** The names of a child's dependsOn. */
const dependsOn = (b: Built<pulumi.ComponentResource>, name: string) =>
  b.child(name).dependsOn.map((d) => b.children.find((c) => c.resource === d)?.name ?? "(not a child)");

const connectionHost = (c: Made) => secretValue(c.inputs.connection, `${c.name}.connection`).host;

describe("components under Pulumi's mocks (no engine, no host)", function () {
  this.timeout(60_000);
  const before_ = { project: "", stack: "", dryRun: false };
  const restore: (() => void)[] = [];

  before(async () => {
    before_.project = pulumi.runtime.getProject();
    before_.stack = pulumi.runtime.getStack();
    before_.dryRun = pulumi.runtime.isDryRun();
    await pulumi.runtime.setMocks(
      {
        newResource(a) {
          inputs.set(`${a.type}::${a.name}`, a.inputs);
          // RandomPassword's result comes from its provider: give one, secret as the engine makes it
          // (the class asks for it in additionalSecretOutputs, which the mocks do not see).
          const state =
            a.type === RANDOM_PASSWORD ? { ...a.inputs, result: { [specialSigKey]: specialSecretSig, value: "Ab3dEf9h" } } : a.inputs;
          return { id: a.custom ? `${a.name}-id` : undefined, state };
        },
        call: (a) => a.inputs,
      },
      PROJECT,
      STACK,
      false,
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, callback) =>
      registerOutputs(req, (err: unknown, res: unknown) => {
        const urn = req.getUrn() as string;
        void outputsOf(urn);
        if (err) outputWaiters.get(urn)!.reject(err);
        else outputWaiters.get(urn)!.resolve(req.getOutputs().toJavaScript());
        callback(err, res);
      });
    // Any provider method run, or any connection asked for, is recorded (and fails the build that caused it).
    for (const k of KIND_NAMES) {
      const p = KINDS[k].provider as unknown as Record<string, (...a: unknown[]) => unknown>;
      for (const m of ["check", "diff", "create", "read", "update", "delete"]) {
        const f = p[m];
        if (!f) continue;
        p[m] = (...a: unknown[]) => {
          providerCalls.push(`${k}.${m}`);
          return f.apply(p, a);
        };
        restore.push(() => (p[m] = f));
      }
    }
    setTransportFactory((c) => {
      connections.push(`${c.host}:${c.port}`);
      throw new Error(`components.test: no host here (asked for ${c.host})`);
    });
    restore.push(() => setTransportFactory(undefined));
  });

  after(() => {
    for (const r of restore.reverse()) r();
    // Back to the runtime's options before setMocks: no monitor, no engine.
    pulumi.runtime.resetOptions(before_.project, before_.stack, -1, "", "", before_.dryRun, "");
  });

  const lbA = host("lb-a", { eth0: "192.0.2.10/24" });
  const lbB = host("lb-b", { eth0: "192.0.2.11/24" });
  const web1 = host("web-01", { eth0: "192.0.2.21/24" });
  const web2 = host("web-02", { eth0: "192.0.2.22/24" });

  it("DrCluster: director sysctls and VIP, the IPVS service, per real server its ARP sysctls, VIP on lo:0 and a route real server", async () => {
    const b = await build(
      (opts) =>
        new DrCluster(
          "dr",
          {
            director: lbA,
            nic: "eth0",
            vip: "192.0.2.100",
            port: 8080,
            scheduler: "wrr",
            realServers: [{ host: web1, weight: 3 }, { host: web2 }],
          },
          opts,
        ),
    );
    assertChildren(b, "pulumi-lvs:stacks:DrCluster", [
      ["SysctlSet", "dr-director-sysctls"],
      ["VipAlias", "dr-director-vip"],
      ["IpvsService", "dr-service"],
      ["SysctlSet", "dr-web-01-arp"],
      ["VipAlias", "dr-web-01-vip"],
      ["IpvsRealServer", "dr-web-01"],
      ["SysctlSet", "dr-web-02-arp"],
      ["VipAlias", "dr-web-02-vip"],
      ["IpvsRealServer", "dr-web-02"],
    ]);
    const i = (name: string) => b.child(name).inputs;
    assert.deepEqual(i("dr-director-sysctls").values, drDirectorSysctls("eth0"));
    assert.equal(i("dr-director-sysctls").name, "90-lvs-dr");
    const { __provider, connection, ...vip } = i("dr-director-vip");
    assert.deepEqual(vip, { address: "192.0.2.100", prefix: 32, interface: "eth0", label: "eth0:0", gratuitousArp: true });
    assert.equal(typeof __provider, "string");
    assert.equal(secretValue(connection, "connection").host, "192.0.2.10");
    assert.deepEqual([i("dr-service").address, i("dr-service").port, i("dr-service").scheduler], ["192.0.2.100", 8080, "wrr"]);
    for (const [rs, address, weight] of [
      ["web-01", "192.0.2.21", 3],
      ["web-02", "192.0.2.22", 1],
    ] as const) {
      assert.deepEqual(i(`dr-${rs}-arp`).values, DR_ARP_SYSCTLS);
      const vip = i(`dr-${rs}-vip`);
      assert.deepEqual([vip.address, vip.prefix, vip.interface, vip.label, vip.hostRoute], ["192.0.2.100", 32, "lo", "lo:0", true]);
      const real = i(`dr-${rs}`);
      assert.deepEqual(real.service, { protocol: "tcp", address: "192.0.2.100", port: 8080 });
      assert.deepEqual([real.address, real.method, real.weight, real.gracefulDeleteTimeoutSeconds], [address, "route", weight, 20]);
      // The real server's own resources go to it; the IPVS entry to the director.
      assert.equal(connectionHost(b.child(`dr-${rs}-vip`)), address);
      assert.equal(connectionHost(b.child(`dr-${rs}`)), "192.0.2.10");
      assert.deepEqual(dependsOn(b, `dr-${rs}-vip`), [`dr-${rs}-arp`]);
      assert.deepEqual(dependsOn(b, `dr-${rs}`), ["dr-service", `dr-${rs}-vip`]);
    }
    assert.deepEqual(dependsOn(b, "dr-director-vip"), ["dr-director-sysctls"]);
    assert.deepEqual(dependsOn(b, "dr-service"), []);

    const realServers = [
      { host: "web-01", address: "192.0.2.21", weight: 3 },
      { host: "web-02", address: "192.0.2.22", weight: 1 },
    ];
    assert.deepEqual(b.outputs, { vip: "192.0.2.100", port: 8080, director: "lb-a", service: b.child("dr-service").urn, realServers });
    const c = b.component;
    assert.deepEqual(
      [await resolved(c.vip), await resolved(c.port), c.director, await resolved(c.realServers)],
      ["192.0.2.100", 8080, "lb-a", realServers],
    );
    assert.equal(c.service, b.child("dr-service").resource);
  });

  it("DrCluster adopt and persist: every child adopts the object its own inputs name, live only; without adopt none does", async () => {
    const cluster = (name: string, extra: { adopt?: boolean; persist?: boolean }) =>
      build(
        (opts) => new DrCluster(name, { director: lbA, nic: "eth0", vip: "192.0.2.104", realServers: [{ host: web1 }], ...extra }, opts),
      );
    const adopted = await cluster("adopted", { adopt: true, persist: false });
    assert.equal(adopted.children.length, 6);
    for (const c of adopted.children) assert.equal(c.inputs[ADOPT_KEY], IMPORT_AS_DECLARED, c.name);
    for (const name of ["adopted-director-sysctls", "adopted-director-vip", "adopted-web-01-arp", "adopted-web-01-vip"])
      assert.equal(adopted.child(name).inputs.persist, false, name);
    for (const bad of [{ adopt: "yes" }, { persist: 0 }, { adopt: { toString: () => "true" } }])
      assert.throws(
        () =>
          new DrCluster("bad-flag", { director: lbA, nic: "eth0", vip: "192.0.2.105", realServers: [{ host: web1 }], ...(bad as object) }),
        /stack bad-flag: refusing to touch any host:\n {2}- (adopt|persist) must be true or false; got /,
      );
    const managed = await cluster("managed", {});
    for (const c of managed.children) {
      assert.equal(c.inputs[ADOPT_KEY], undefined, c.name);
      assert.equal(c.inputs.persist, undefined, c.name);
    }
  });

  it("DrCluster of hosts another resource makes in the same program: connection and address as its Outputs reach the children", async () => {
    const vm = (name: string, publicIp: string, privateIp: string) => new Vm(name, { publicIp, privateIp });
    const [lb, w1] = [vm("vm-lb", "203.0.113.5", "10.1.0.5"), vm("vm-w1", "203.0.113.6", "10.1.0.6")];
    const cloudHost = (name: string, v: Vm): ClusterHost => ({
      name,
      connection: { host: v.publicIp, user: "admin", privateKey: pulumi.secret("key"), hostKeySha256: PIN },
      address: v.privateIp,
    });
    const b = await build(
      (opts) =>
        new DrCluster(
          "cloud",
          {
            director: cloudHost("lb", lb),
            nic: "ens5",
            vip: lb.privateIp.apply(() => "10.1.0.100"),
            realServers: [{ host: cloudHost("w1", w1) }],
          },
          opts,
        ),
    );
    const real = b.child("cloud-w1").inputs;
    assert.equal(real.address, "10.1.0.6");
    assert.deepEqual(real.service, { protocol: "tcp", address: "10.1.0.100", port: 80 });
    assert.equal(connectionHost(b.child("cloud-w1")), "203.0.113.5", "the IPVS entry goes to the director's public IP");
    assert.equal(connectionHost(b.child("cloud-w1-vip")), "203.0.113.6");
    assert.equal(secretValue(b.child("cloud-w1-vip").inputs.connection, "connection").user, "admin");
    assert.equal(b.child("cloud-director-vip").inputs.address, "10.1.0.100");
    assert.deepEqual(b.outputs.realServers, [{ host: "w1", address: "10.1.0.6", weight: 1 }]);
    assert.equal(b.outputs.vip, "10.1.0.100");
  });

  it("a VIP that is a host's address is refused: at construction when plain, in the VIP the children take when an Output", async () => {
    assert.throws(
      () => new DrCluster("bad", { director: lbA, nic: "eth0", vip: "192.0.2.21", realServers: [{ host: web1 }] }),
      /stack bad: refusing to touch any host:\n {2}- the VIP 192\.0\.2\.21 is web-01's own address on eth0/,
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      [...inputs.keys()].filter((k) => k.includes("::bad")),
      [],
      "the refused cluster registered nothing (the check runs before super())",
    );
    const w = new Vm("vm-clash", { publicIp: "203.0.113.7", privateIp: "10.1.0.7" });
    const group = new VrrpGroup("clash", {
      members: masterBackup(lbA, { name: "w", connection: { host: w.publicIp }, address: w.privateIp }),
      interface: "eth0",
      virtualRouterId: 7,
      vip: w.privateIp.apply((ip) => ip),
    });
    await assert.rejects(
      promiseOf(group.vip),
      /stack clash: refusing to touch any host:\n {2}- the VIP 10\.1\.0\.7 is w's own address; pick a free address/,
    );
  });

  it("DrCluster: one per environment in one program, each with its own children (distinct URNs)", async () => {
    const staging = await build(
      (opts) =>
        new DrCluster(
          "staging",
          {
            director: host("lb-s", { eth0: "198.51.100.10/24" }),
            nic: "eth0",
            vip: "198.51.100.100",
            realServers: [{ host: host("web-s", { eth0: "198.51.100.21/24" }) }],
          },
          opts,
        ),
    );
    const prod = await build(
      (opts) =>
        new DrCluster("prod", { director: lbA, nic: "eth0", vip: "192.0.2.101", vipPrefix: 24, realServers: [{ host: web1 }] }, opts),
    );
    const urns = [staging, prod].flatMap((b) => [b.urn, ...b.children.map((c) => c.urn)]);
    assert.equal(new Set(urns).size, urns.length, "a URN twice");
    for (const b of [staging, prod]) for (const c of b.children) assert.equal(c.parent, b.component);
    assert.equal(prod.child("prod-director-vip").inputs.prefix, 24);
    assert.equal(prod.child("prod-service").inputs.port, 80);
    assert.equal(prod.child("prod-service").inputs.scheduler, "rr");
    assert.deepEqual(staging.outputs.realServers, [{ host: "web-s", address: "198.51.100.21", weight: 1 }]);
  });

  it("NatCluster: forwarding, SNAT of the inside network, the service, per real server its default route via the DIP and a masq real server", async () => {
    const director = host("lb", { eth0: "203.0.113.10/24", eth1: "10.0.0.1/24" });
    const rs1 = host("rs-1", { eth0: "10.0.0.21/24" });
    const rs2 = host("rs-2", { eth0: "10.0.0.22/24" });
    // The seed: the VIP is the director's own WAN address, so no alias.
    const own = await build(
      (opts) =>
        new NatCluster(
          "nat",
          { director, wanNic: "eth0", lanNic: "eth1", vip: "203.0.113.10", realServers: [{ host: rs1, weight: 2 }, { host: rs2 }] },
          opts,
        ),
    );
    assertChildren(own, "pulumi-lvs:stacks:NatCluster", [
      ["SysctlSet", "nat-forwarding"],
      ["NatRule", "nat-snat"],
      ["IpvsService", "nat-service"],
      ["Route", "nat-rs-1-gateway"],
      ["IpvsRealServer", "nat-rs-1"],
      ["Route", "nat-rs-2-gateway"],
      ["IpvsRealServer", "nat-rs-2"],
    ]);
    const i = (name: string) => own.child(name).inputs;
    assert.deepEqual(i("nat-forwarding").values, { "net.ipv4.ip_forward": "1" });
    const snat = i("nat-snat");
    assert.deepEqual(
      [snat.name, snat.chain, snat.source, snat.outInterface, snat.target, snat.to],
      ["nat-snat", "POSTROUTING", "10.0.0.0/24", "eth0", "SNAT", "203.0.113.10"],
    );
    assert.deepEqual([i("nat-service").address, i("nat-service").port, i("nat-service").scheduler], ["203.0.113.10", 80, "rr"]);
    for (const [rs, address, weight] of [
      ["rs-1", "10.0.0.21", 2],
      ["rs-2", "10.0.0.22", 1],
    ] as const) {
      const gw = i(`nat-${rs}-gateway`);
      assert.deepEqual([gw.destination, gw.via, gw.dev], ["default", "10.0.0.1", "eth1"]);
      assert.equal(connectionHost(own.child(`nat-${rs}-gateway`)), address);
      const real = i(`nat-${rs}`);
      assert.deepEqual(real.service, { protocol: "tcp", address: "203.0.113.10", port: 80 });
      assert.deepEqual([real.address, real.method, real.weight], [address, "masq", weight]);
      assert.deepEqual(dependsOn(own, `nat-${rs}`), ["nat-service", `nat-${rs}-gateway`]);
    }
    assert.deepEqual(dependsOn(own, "nat-snat"), ["nat-forwarding"]);
    assert.deepEqual(dependsOn(own, "nat-service"), ["nat-forwarding"]);
    const realServers = [
      { host: "rs-1", address: "10.0.0.21", weight: 2 },
      { host: "rs-2", address: "10.0.0.22", weight: 1 },
    ];
    assert.deepEqual(own.outputs, {
      vip: "203.0.113.10",
      dip: "10.0.0.1",
      port: 80,
      director: "lb",
      service: own.child("nat-service").urn,
      realServers,
    });
    const c = own.component;
    assert.deepEqual(
      [c.vip, c.dip, await resolved(c.port), c.director, await resolved(c.realServers)],
      ["203.0.113.10", "10.0.0.1", 80, "lb", realServers],
    );
    assert.equal(c.service, own.child("nat-service").resource);

    // A VIP of its own: an alias on the WAN side with the WAN prefix, which the service waits for.
    const alias = await build(
      (opts) =>
        new NatCluster(
          "nat2",
          { director, wanNic: "eth0", lanNic: "eth1", vip: "203.0.113.100", port: 8080, realServers: [{ host: rs1 }] },
          opts,
        ),
    );
    const vip = alias.child("nat2-vip").inputs;
    assert.deepEqual([vip.address, vip.prefix, vip.interface, vip.label, vip.gratuitousArp], ["203.0.113.100", 24, "eth0", "eth0:0", true]);
    assert.deepEqual(dependsOn(alias, "nat2-service"), ["nat2-forwarding", "nat2-vip"]);
    assert.equal(alias.outputs.port, 8080);
  });

  it("VrrpGroup: the auth password, per member its track script and KeepalivedInstance (state, priority, VRID, VIP, the shared password)", async () => {
    const virtualServers = [
      {
        address: "192.0.2.100",
        port: 80,
        lbAlgo: "wrr",
        lbKind: "DR" as const,
        realServers: [
          { address: "192.0.2.21", port: 80, weight: 2 },
          { address: "192.0.2.22", port: 80, weight: 1 },
        ],
      },
    ];
    const b = await build(
      (opts) =>
        new VrrpGroup(
          "lvs_dr",
          {
            members: masterBackup(lbA, lbB, { master: 150, backup: 90 }),
            interface: "eth0",
            virtualRouterId: 51,
            vip: "192.0.2.100",
            trackScript: { name: "check_nginx", content: "#!/bin/sh\npidof nginx\n", interval: 2, weight: -30 },
            virtualServers,
          },
          opts,
        ),
    );
    assertChildren(b, "pulumi-lvs:stacks:VrrpGroup", [
      ["RandomPassword", "lvs_dr-auth"],
      ["ManagedFile", "lvs_dr-lb-a-check_nginx"],
      ["KeepalivedInstance", "lvs_dr-lb-a"],
      ["ManagedFile", "lvs_dr-lb-b-check_nginx"],
      ["KeepalivedInstance", "lvs_dr-lb-b"],
    ]);
    assert.deepEqual([b.child("lvs_dr-auth").inputs.length, b.child("lvs_dr-auth").inputs.special], [8, false]);
    for (const [h, state, priority] of [
      ["lb-a", "MASTER", 150],
      ["lb-b", "BACKUP", 90],
    ] as const) {
      const file = b.child(`lvs_dr-${h}-check_nginx`).inputs;
      assert.deepEqual([file.path, file.mode], ["/etc/keepalived/check_nginx.sh", "0755"]);
      const k = b.child(`lvs_dr-${h}`).inputs;
      // The password (the RandomPassword's result) makes the whole vrrp block secret in the instance's inputs.
      const vrrp = secretValue(k.vrrp, "vrrp");
      assert.equal(k.name, "lvs_dr");
      assert.deepEqual(
        [vrrp.name, vrrp.state, vrrp.priority, vrrp.virtualRouterId, vrrp.interface, vrrp.advertInt],
        ["VI_51", state, priority, 51, "eth0", 1],
      );
      assert.deepEqual(vrrp.virtualIpaddress, [{ address: "192.0.2.100", prefix: 32, dev: "eth0", label: "eth0:0" }]);
      assert.deepEqual(vrrp.trackScript, ["check_nginx"]);
      assert.deepEqual(vrrp.authentication, { type: "PASS", pass: "Ab3dEf9h" });
      assert.deepEqual(k.scripts, [
        { name: "check_nginx", script: "/etc/keepalived/check_nginx.sh", interval: 2, weight: -30, fall: 2, rise: 2 },
      ]);
      assert.deepEqual(k.globalDefs, { routerId: `lvs_dr_${h}`, enableScriptSecurity: true, scriptUser: "root" });
      assert.deepEqual(k.virtualServers, virtualServers);
      assert.equal(connectionHost(b.child(`lvs_dr-${h}`)), h === "lb-a" ? "192.0.2.10" : "192.0.2.11");
      assert.deepEqual(dependsOn(b, `lvs_dr-${h}`), [`lvs_dr-${h}-check_nginx`]);
    }
    const members = [
      { host: "lb-a", address: "192.0.2.10", state: "MASTER", priority: 150 },
      { host: "lb-b", address: "192.0.2.11", state: "BACKUP", priority: 90 },
    ];
    const vs = [
      {
        address: "192.0.2.100",
        port: 80,
        realServers: [
          { address: "192.0.2.21", port: 80 },
          { address: "192.0.2.22", port: 80 },
        ],
      },
    ];
    assert.deepEqual(b.outputs, {
      vip: "192.0.2.100",
      virtualRouterId: 51,
      interface: "eth0",
      members,
      virtualServers: vs,
      instances: [b.child("lvs_dr-lb-a").urn, b.child("lvs_dr-lb-b").urn],
    });
    const g = b.component;
    assert.deepEqual([await resolved(g.vip), await resolved(g.members), await resolved(g.virtualServers)], ["192.0.2.100", members, vs]);
    assert.deepEqual(
      g.instances,
      ["lvs_dr-lb-a", "lvs_dr-lb-b"].map((n) => b.child(n).resource),
    );
    assert.equal(await resolved(g.authPass), "Ab3dEf9h");
    assert.deepEqual(await resolved(g.description), {
      vip: "192.0.2.100",
      virtualRouterId: 51,
      interface: "eth0",
      members,
      virtualServers: vs,
    });
  });

  it("VrrpGroup without a track script or virtual servers: an instance per member, nothing else, no dependsOn", async () => {
    const b = await build(
      (opts) =>
        new VrrpGroup(
          "nginx_vip",
          {
            members: masterBackup(lbA, lbB),
            interface: "eth0",
            virtualRouterId: 52,
            vip: "192.0.2.101",
            vipPrefix: 24,
            label: "eth0:vip",
            advertInt: 3,
            authType: "AH",
          },
          opts,
        ),
    );
    assertChildren(b, "pulumi-lvs:stacks:VrrpGroup", [
      ["RandomPassword", "nginx_vip-auth"],
      ["KeepalivedInstance", "nginx_vip-lb-a"],
      ["KeepalivedInstance", "nginx_vip-lb-b"],
    ]);
    const vrrp = secretValue(b.child("nginx_vip-lb-b").inputs.vrrp, "vrrp");
    assert.deepEqual([vrrp.state, vrrp.priority, vrrp.advertInt], ["BACKUP", 100, 3]);
    assert.deepEqual(vrrp.virtualIpaddress, [{ address: "192.0.2.101", prefix: 24, dev: "eth0", label: "eth0:vip" }]);
    assert.equal((vrrp.authentication as Record<string, unknown>).type, "AH");
    assert.equal(vrrp.trackScript, undefined);
    assert.deepEqual(dependsOn(b, "nginx_vip-lb-a"), []);
    assert.deepEqual(b.outputs.virtualServers, []);
    assert.deepEqual(
      (b.outputs.members as { priority: number }[]).map((m) => m.priority),
      [120, 100],
    );
  });

  it("HaproxyTier: per HAProxy host the L7 listen and the L4 frontend/backend, weighted and checked as the seed", async () => {
    const ha1 = host("ha-1", { eth0: "192.0.2.31/24" });
    const ha2 = host("ha-2", { eth0: "192.0.2.32/24" });
    const b = await build(
      (opts) =>
        new HaproxyTier(
          "lb",
          {
            haproxies: [ha1, ha2],
            realServers: [
              { host: web1, weight: 2 },
              { host: web2, weight: 3 },
            ],
          },
          opts,
        ),
    );
    assertChildren(b, "pulumi-lvs:stacks:HaproxyTier", [
      ["HaproxyListener", "lb-ha-1-l7"],
      ["HaproxyListener", "lb-ha-1-l4"],
      ["HaproxyListener", "lb-ha-2-l7"],
      ["HaproxyListener", "lb-ha-2-l4"],
    ]);
    const server = (name: string, address: string, weight: number) => ({ name, address, port: 80, weight, inter: 2000, fall: 3 });
    for (const h of ["ha-1", "ha-2"]) {
      const l7 = b.child(`lb-${h}-l7`).inputs;
      assert.deepEqual(
        [l7.name, l7.bind, l7.balance, l7.httpCheck, l7.servers],
        [
          "web",
          [{ port: 80 }],
          "static-rr",
          { method: "GET", uri: "/index.html" },
          [server("web-01", "192.0.2.21", 2), server("web-02", "192.0.2.22", 3)],
        ],
      );
      const l4 = b.child(`lb-${h}-l4`).inputs;
      assert.deepEqual(
        [l4.name, l4.style, l4.mode, l4.bind, l4.balance, l4.servers],
        [
          "web4",
          "frontend-backend",
          "tcp",
          [{ port: 8080 }],
          "roundrobin",
          [server("web-01", "192.0.2.21", 1), server("web-02", "192.0.2.22", 1)],
        ],
      );
      assert.deepEqual(dependsOn(b, `lb-${h}-l7`), []);
    }
    assert.equal(connectionHost(b.child("lb-ha-2-l4")), "192.0.2.32");
    const listeners = ["lb-ha-1-l7", "lb-ha-1-l4", "lb-ha-2-l7", "lb-ha-2-l4"];
    assert.deepEqual(b.outputs, { listeners: listeners.map((n) => b.child(n).urn), port: 80, l4Port: 8080 });
    const t = b.component;
    assert.deepEqual(
      t.listeners,
      listeners.map((n) => b.child(n).resource),
    );
    assert.deepEqual([t.port, t.l4Port], [80, 8080]);
  });

  it("NginxTomcat: per tomcat its package, unit and app; per nginx its package, unit and the site proxying *.jsp to the tomcats", async () => {
    const app1 = host("app-01", { eth0: "192.0.2.41/24" });
    const app2 = host("app-02", { eth0: "192.0.2.42/24" });
    const b = await build((opts) => new NginxTomcat("web", { nginx: [web1], tomcats: [app1, app2] }, opts));
    assertChildren(b, "pulumi-lvs:stacks:NginxTomcat", [
      ["Package", "web-app-01-pkg"],
      ["SystemdService", "web-app-01-svc"],
      ["TomcatApp", "web-app-01"],
      ["Package", "web-app-02-pkg"],
      ["SystemdService", "web-app-02-svc"],
      ["TomcatApp", "web-app-02"],
      ["Package", "web-web-01-pkg"],
      ["SystemdService", "web-web-01-svc"],
      ["NginxSite", "web-web-01"],
    ]);
    for (const [h, pkg] of [
      ["app-01", "tomcat10"],
      ["web-01", "nginx"],
    ]) {
      assert.deepEqual(b.child(`web-${h}-pkg`).inputs.names, [pkg]);
      assert.equal(b.child(`web-${h}-svc`).inputs.unit, pkg);
      assert.deepEqual(dependsOn(b, `web-${h}-svc`), [`web-${h}-pkg`]);
    }
    const app = b.child("web-app-02").inputs;
    assert.deepEqual([app.name, app.path, app.docBase, app.files], ["test", "", "/srv/tomcat-test", { "index.jsp": indexJsp("app-02") }]);
    assert.equal(connectionHost(b.child("web-app-02")), "192.0.2.42");
    assert.deepEqual(dependsOn(b, "web-app-02"), ["web-app-02-svc"]);
    const site = b.child("web-web-01").inputs;
    assert.equal(site.name, "pulumi-lvs-tomcat");
    assert.equal(site.listen, undefined, "listen left to nginx's default");
    assert.deepEqual(site.upstreams, [
      {
        name: "tomcat",
        servers: [
          { address: "192.0.2.41", port: 8080, weight: 1 },
          { address: "192.0.2.42", port: 8080, weight: 1 },
        ],
      },
    ]);
    assert.deepEqual(site.locations, [
      { match: "/", tryFiles: ["$uri", "$uri/", "=404"] },
      { match: "~ .*\\.jsp$", proxyPass: "http://tomcat", proxyHeaders: true },
    ]);
    assert.deepEqual(dependsOn(b, "web-web-01"), ["web-app-01", "web-app-02", "web-web-01-svc"]);
    assert.deepEqual(b.outputs, {
      sites: [b.child("web-web-01").urn],
      apps: [b.child("web-app-01").urn, b.child("web-app-02").urn],
      listen: 80,
      tomcatPort: 8080,
    });
    assert.deepEqual(b.component.sites, [b.child("web-web-01").resource]);
    assert.deepEqual([b.component.listen, b.component.tomcatPort], [80, 8080]);

    const ports = await build((opts) => new NginxTomcat("web2", { nginx: [web2], tomcats: [app1], listen: 8081, tomcatPort: 9090 }, opts));
    const site2 = ports.child("web2-web-02").inputs;
    assert.equal(site2.listen, 8081);
    assert.deepEqual((site2.upstreams as { servers: unknown[] }[])[0].servers, [{ address: "192.0.2.41", port: 9090, weight: 1 }]);
    assert.deepEqual([ports.outputs.listen, ports.outputs.tomcatPort], [8081, 9090]);
  });

  it("drRealServer as dr-keepalived uses it (no component): top-level URNs as before, the VIP after the ARP sysctls and the caller's dependsOn", async () => {
    const group = await build(
      (opts) =>
        new VrrpGroup("pair", { members: masterBackup(lbA, lbB), interface: "eth0", virtualRouterId: 53, vip: "192.0.2.102" }, opts),
    );
    let vip: pulumi.Resource | undefined;
    const made = await record((opts) => {
      vip = drRealServer("dr-keepalived", web1, "192.0.2.102", { ...opts, dependsOn: [group.component] });
    });
    assert.deepEqual(
      made.map((m) => [m.urn, m.parent]),
      [
        [urnOf(kindType("SysctlSet"), "dr-keepalived-web-01-arp"), undefined],
        [urnOf(kindType("VipAlias"), "dr-keepalived-web-01-vip"), undefined],
      ],
    );
    assert.equal(made[1].resource, vip);
    assert.deepEqual(made[0].dependsOn, [group.component]);
    assert.deepEqual(made[1].dependsOn, [group.component, made[0].resource]);
    assert.deepEqual(
      [made[1].inputs.address, made[1].inputs.interface, made[1].inputs.label, made[1].inputs.hostRoute],
      ["192.0.2.102", "lo", "lo:0", true],
    );
  });

  it("no provider code runs under the mocks: each resource reaches the mocks with its provider stub serialized, its connection secret", async () => {
    const b = await build(
      (opts) => new DrCluster("stub", { director: lbA, nic: "eth0", vip: "192.0.2.103", realServers: [{ host: web2 }] }, opts),
    );
    for (const c of b.children) {
      assert.equal(typeof c.inputs.__provider, "string", `${c.name}: __provider`);
      assert.match(
        c.inputs.__provider as string,
        /pulumi-lvs: the provider code/,
        `${c.name}: the stub that loads the provider by reference`,
      );
      secretValue(c.inputs.connection, `${c.name}.connection`);
    }
    assert.deepEqual(providerCalls, []);
    assert.deepEqual(connections, []);
  });
});
