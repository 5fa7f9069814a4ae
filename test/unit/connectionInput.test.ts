// The connection block: its fields are pulumi.Inputs (an Output of another
// resource type-checks), the agent defaults to SSH_AUTH_SOCK when no key or
// password is given, and a key is given as text (privateKey) or as a file read
// on the machine running pulumi (privateKeyPath, `~/` expanded).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Checker, checkConnection } from "../../providers/common/check";
import type { ConnectionArgs, ConnectionInput, IpvsServiceArgs, SystemdServiceArgs } from "../../providers";
import { connectOptions, ConnectEnv, expandHome } from "../../providers/transport/ssh";

// Type tests: compiled by `npm run typecheck` (tsconfig includes test/), never run.
function typeOnly(): void {
  const director: IpvsServiceArgs = {
    connection: { host: pulumi.output("192.0.2.10"), privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----") },
    address: "192.0.2.100",
    port: 80,
  };
  const viaJump: IpvsServiceArgs = {
    connection: pulumi.output({ host: "192.0.2.11" }).apply((c) => ({
      ...c,
      port: pulumi.output(2222),
      jump: { host: pulumi.output("192.0.2.1"), privateKeyPath: "~/.ssh/id_ed25519" },
    })),
  };
  // @ts-expect-error host is a string
  const wrong: ConnectionInput = { host: pulumi.output(5) };
  // A plain ConnectionArgs is still accepted where an Input is.
  const plain: ConnectionArgs = { host: "192.0.2.12" };
  const service: SystemdServiceArgs = { connection: plain, unit: "nginx" };
  // What the provider receives (Unwrap of the Args) is a plain ConnectionArgs.
  const unwrapped: ConnectionArgs = {} as pulumi.Unwrap<SystemdServiceArgs>["connection"];
  void [director, viaJump, wrong, service, unwrapped];
}
void typeOnly;

// The two types name the same fields.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameKeys: Same<keyof ConnectionInput, keyof ConnectionArgs> = true;
void sameKeys;

const noFiles = (): string => {
  throw new Error("no file read expected");
};
const env = (over: Partial<ConnectEnv> = {}): ConnectEnv => ({ env: {}, home: () => "/home/op", readFile: noFiles, ...over });

describe("connection: SSH credentials (connectOptions)", () => {
  it("uses SSH_AUTH_SOCK as the agent when no key, password or agent is given", () => {
    const o = connectOptions({ host: "192.0.2.10" }, env({ env: { SSH_AUTH_SOCK: "/run/agent.sock" } }));
    assert.equal(o.agent, "/run/agent.sock");
    assert.equal(o.host, "192.0.2.10");
    assert.equal(o.port, 22);
    assert.equal(o.username, "root");
  });

  it("an agent given wins over SSH_AUTH_SOCK; a key or password leaves the agent out", () => {
    const sock = env({ env: { SSH_AUTH_SOCK: "/run/agent.sock" } });
    assert.equal(connectOptions({ host: "h", agent: "/tmp/a.sock" }, sock).agent, "/tmp/a.sock");
    assert.equal(connectOptions({ host: "h", privateKey: "KEY" }, sock).agent, undefined);
    assert.equal(connectOptions({ host: "h", password: "pw" }, sock).agent, undefined);
  });

  it("without key, password, agent or SSH_AUTH_SOCK: an error naming the host and what is missing", () => {
    assert.throws(
      () => connectOptions({ host: "192.0.2.10", port: 2201, user: "lvs" }, env({ env: { SSH_AUTH_SOCK: "" } })),
      /^Error: ssh lvs@192\.0\.2\.10:2201: no way to authenticate: the connection gives no privateKey, privateKeyPath, password or agent, and SSH_AUTH_SOCK is not set$/,
    );
  });

  it("privateKeyPath: `~/` is the home directory; the file is read at connect time", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "lvs-home-"));
    try {
      fs.mkdirSync(path.join(home, ".ssh"));
      fs.writeFileSync(path.join(home, ".ssh", "id_test"), "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n", { mode: 0o600 });
      const read: string[] = [];
      const e = env({
        env: { SSH_AUTH_SOCK: "/run/agent.sock" },
        home: () => home,
        readFile: (p) => (read.push(p), fs.readFileSync(p, "utf8")),
      });
      const o = connectOptions({ host: "h", privateKeyPath: "~/.ssh/id_test", privateKeyPassphrase: "pp" }, e);
      assert.equal(o.privateKey, "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n");
      assert.equal(o.passphrase, "pp");
      assert.equal(o.agent, undefined);
      assert.deepEqual(read, [path.join(home, ".ssh", "id_test")]);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it("privateKeyPath that cannot be read: an error naming the host and the file", () => {
    const e = env({ readFile: (p) => fs.readFileSync(p, "utf8") });
    assert.throws(
      () => connectOptions({ host: "192.0.2.10", privateKeyPath: "~/.ssh/none-such-key" }, e),
      /^Error: ssh root@192\.0\.2\.10:22: cannot read the key file privateKeyPath ~\/\.ssh\/none-such-key \(\/home\/op\/\.ssh\/none-such-key\): ENOENT$/,
    );
  });

  it("privateKey and privateKeyPath together are refused", () => {
    assert.throws(
      () => connectOptions({ host: "h", privateKey: "KEY", privateKeyPath: "/k" }, env()),
      /privateKey or privateKeyPath, not both/,
    );
  });

  it("expandHome: only a leading ~ or ~/", () => {
    assert.equal(
      expandHome("~", () => "/home/op"),
      "/home/op",
    );
    assert.equal(
      expandHome("~/k", () => "/home/op/"),
      "/home/op/k",
    );
    assert.equal(
      expandHome("/etc/~/k", () => "/home/op"),
      "/etc/~/k",
    );
    assert.equal(
      expandHome("~other/k", () => "/home/op"),
      "~other/k",
    );
  });
});

describe("connection: the check of privateKeyPath", () => {
  const failures = (conn: unknown) => {
    const c = new Checker();
    checkConnection(c, conn);
    return c.failures;
  };

  it("accepts an absolute path or one under ~/", () => {
    assert.deepEqual(failures({ host: "192.0.2.10", privateKeyPath: "~/.ssh/id_ed25519" }), []);
    assert.deepEqual(failures({ host: "192.0.2.10", privateKeyPath: "/etc/lvs/id" }), []);
  });

  it("refuses a relative path, a newline or a non-string, naming the field", () => {
    for (const p of ["id_ed25519", "~/a\nb", 5]) {
      const f = failures({ host: "192.0.2.10", privateKeyPath: p });
      assert.ok(
        f.some((x) => x.property === "connection.privateKeyPath"),
        JSON.stringify(f),
      );
    }
  });

  it("refuses privateKey with privateKeyPath, naming both fields (also on a jump host)", () => {
    const f = failures({ host: "192.0.2.10", jump: { host: "192.0.2.1", privateKey: "KEY", privateKeyPath: "~/.ssh/id" } });
    assert.deepEqual(
      f.map((x) => x.property),
      ["connection.jump.privateKeyPath"],
    );
    assert.match(f[0].reason, /connection\.jump\.privateKey and connection\.jump\.privateKeyPath are both given/);
  });
});
