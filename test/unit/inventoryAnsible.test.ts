// Inventories read as Ansible reads them: each fixture under
// fixtures/inventories/ is parsed by us and by the real `ansible-inventory
// --list` (once per fixture, cached), and the two must agree on every host's
// groups (recursive, `all` and `ungrouped` included), every group's hosts, and
// the variables we read. Then our mapping of those variables to a connection:
// `~`, ProxyJump, become, pins, and the errors.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  connectionArgs,
  groupHosts,
  hostConnection,
  Inventory,
  loadInventory,
  parseInventory,
  pythonLiteral,
  renderInventory,
} from "../../stacks/inventory";

const FIXTURES = path.join(__dirname, "fixtures/inventories");
const READ_VARS = [
  "ansible_host",
  "ansible_port",
  "ansible_user",
  "ansible_ssh_private_key_file",
  "ansible_ssh_common_args",
  "ansible_ssh_extra_args",
  "ansible_become",
  "ansible_become_user",
  "host_key_sha256",
  "addresses",
];

interface AnsibleList {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  [group: string]: { hosts?: string[]; children?: string[] } | AnsibleList["_meta"];
}

let ansibleCalls = 0;
let ansibleMs = 0;

/** `ansible-inventory -i file --list`, in a scratch directory (no ansible.cfg of ours), failing on any unparsed source. */
function ansibleList(file: string, cwd: string): AnsibleList {
  const t0 = Date.now();
  ansibleCalls++;
  try {
    const out = execFileSync("ansible-inventory", ["-i", file, "--list"], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        ANSIBLE_NOCOLOR: "1",
        ANSIBLE_LOCALHOST_WARNING: "False",
        ANSIBLE_INVENTORY_UNPARSED_WARNING: "False",
        ANSIBLE_INVENTORY_UNPARSED_FAILED: "True",
        ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: "True",
      },
    });
    return JSON.parse(out) as AnsibleList;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") {
      throw new Error(
        "ansible-inventory is not installed: `npm run setup` installs ansible (the Debian package), which this test compares against",
      );
    }
    throw new Error(`ansible-inventory -i ${file} failed: ${e.stderr ?? e.message}`);
  } finally {
    ansibleMs += Date.now() - t0;
  }
}

/** Group -> every host in it, directly or through children, from ansible's --list. */
function ansibleMembers(list: AnsibleList): Map<string, Set<string>> {
  const groups = Object.keys(list).filter((g) => g !== "_meta");
  const entry = (g: string) => (list[g] ?? {}) as { hosts?: string[]; children?: string[] };
  const members = (g: string, seen: Set<string>): Set<string> => {
    const out = new Set(entry(g).hosts ?? []);
    for (const c of entry(g).children ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      for (const h of members(c, seen)) out.add(h);
    }
    return out;
  };
  return new Map(groups.map((g) => [g, members(g, new Set([g]))]));
}

interface Case {
  file: string;
  what: string;
}

const CASES: Case[] = [
  { file: "groups-only.yaml", what: "YAML with groups only (no all.hosts), one group at the top level" },
  { file: "nested.yaml", what: "children three deep, a host through two branches, ungrouped" },
  { file: "group-vars.yaml", what: "group vars: all < parent < child, same depth by name, ansible_group_priority" },
  { file: "host-vars.yaml", what: "host vars over group vars, a host in two groups, ranges, name:port" },
  { file: "inventory.ini", what: "INI: ungrouped, :vars, :children before the group, ranges, typed values" },
  { file: "hosts", what: "INI without an extension (YAML tried first)" },
  { file: "tilde.yaml", what: "~ in ansible_ssh_private_key_file" },
  { file: "proxyjump.yaml", what: "ProxyJump: -o and -J, inventory jump host, two hops" },
  { file: "become.yaml", what: "become: passwordless sudo, password, another user" },
  { file: "lab.yaml", what: "the lab's own inventory (renderInventory)" },
];

function labInventory(): Inventory {
  const host = (name: string, port: number, groups: string[]) => ({
    name,
    groups,
    sshHost: "127.0.0.1",
    port,
    user: "root",
    privateKeyPath: "/tmp/lab/id_ed25519",
    hostKeySha256: `SHA256:${name}`,
    addresses: { ens33: `192.168.118.${port - 2170}/24` },
  });
  return {
    preset: "nat",
    hosts: {
      director: host("director", 2201, ["directors"]),
      rs1: host("rs1", 2202, ["realservers"]),
      rs2: host("rs2", 2203, ["realservers"]),
    },
    groups: { directors: ["director"], realservers: ["rs1", "rs2"] },
  };
}

describe("inventories as ansible-inventory reads them", function () {
  let dir: string;
  const files = new Map<string, string>();
  const ansible = new Map<string, AnsibleList>();
  const ours = new Map<string, Inventory>();
  let t0 = 0;

  before(function () {
    this.timeout(120000);
    t0 = Date.now();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "inv-ansible-"));
    fs.writeFileSync(path.join(dir, "lab.yaml"), renderInventory(labInventory()));
    for (const c of CASES) {
      const file = c.file === "lab.yaml" ? path.join(dir, c.file) : path.join(FIXTURES, c.file);
      files.set(c.file, file);
      ansible.set(c.file, ansibleList(file, dir));
      ours.set(c.file, loadInventory(file));
    }
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(
      `      (${CASES.length} inventories, ${ansibleCalls} ansible-inventory calls in ${ansibleMs} ms; ${Date.now() - t0} ms in all)`,
    );
  });

  for (const c of CASES) {
    it(`${c.file}: ${c.what}: the same hosts, groups and variables as ansible-inventory --list`, () => {
      const list = ansible.get(c.file)!;
      const inv = ours.get(c.file)!;
      const hostvars = list._meta.hostvars;
      const theirHosts = Object.keys(list._meta.hostvars);
      const members = ansibleMembers(list);
      // Hosts without vars are absent from _meta: take them from the groups.
      const allHosts = [...new Set([...theirHosts, ...(members.get("all") ?? [])])].sort();
      assert.deepEqual(Object.keys(inv.hosts).sort(), allHosts, "hosts");
      assert.ok(allHosts.length > 0, "ansible found hosts");
      for (const name of allHosts) {
        const theirGroups = [...members].filter(([, hs]) => hs.has(name)).map(([g]) => g);
        assert.deepEqual(inv.hosts[name].groups, [...new Set(["all", ...theirGroups])].sort(), `groups of ${name}`);
        for (const v of READ_VARS) {
          assert.deepEqual(inv.hosts[name].vars?.[v], hostvars[name]?.[v], `${name}: ${v}`);
        }
        assert.deepEqual(inv.hosts[name].vars, hostvars[name] ?? {}, `${name}: all its variables`);
      }
      for (const [g, hs] of members) {
        assert.deepEqual(new Set(groupHosts(inv, g)), hs, `hosts of group ${g}`);
      }
    });
  }

  it("lab.yaml: the lab's inventory renders back to the same text", () => {
    const text = fs.readFileSync(files.get("lab.yaml")!, "utf8");
    const inv = parseInventory(text, "lab.yaml");
    assert.equal(renderInventory(inv), text);
    assert.equal(inv.preset, "nat");
    assert.deepEqual(inv.groups, { directors: ["director"], realservers: ["rs1", "rs2"] });
  });

  it("groupHosts follows children at any depth, in inventory order, and names an unknown group", () => {
    const inv = ours.get("nested.yaml")!;
    assert.deepEqual(groupHosts(inv, "site"), ["lb-a", "lb-b", "web-01", "web-02"]);
    assert.deepEqual(groupHosts(inv, "dc2"), ["lb-b", "web-01", "web-02"]);
    assert.deepEqual(groupHosts(inv, "ungrouped"), ["lonely"]);
    assert.deepEqual(groupHosts(inv, "all"), ["lb-a", "lb-b", "web-01", "web-02", "misc", "lonely"]);
    assert.throws(() => groupHosts(inv, "directorz"), /nested\.yaml has no group "directorz"; groups: .*directors/);
  });

  it("maps precedence and INI types to the host", () => {
    const gv = ours.get("group-vars.yaml")!.hosts;
    assert.deepEqual([gv["lb-a"].user, gv["lb-a"].port, gv["lb-a"].sshHost], ["from_zeta", 2202, "zeta.example"]);
    assert.equal(gv["web-02"].user, "from_prio");
    assert.equal(gv["web-01"].sudo, true); // YAML 1.1 `yes`
    const ini = ours.get("inventory.ini")!.hosts;
    assert.deepEqual([ini["web-03"].port, ini["lb-a"].user, ini["lb-a"].sudo], [2204, "lvs admin", true]);
    assert.deepEqual(ini["lb-a"].addresses, { ens33: "10.1.0.0/24" });
    assert.deepEqual(pythonLiteral("022"), "022");
    assert.deepEqual(
      [pythonLiteral("0x10"), pythonLiteral("-1.5"), pythonLiteral("None"), pythonLiteral("true")],
      [16, -1.5, null, "true"],
    );
  });

  it("expands ~ in the key path; a missing key file is an error only when the key is needed", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "inv-home-"));
    const saved = process.env.HOME;
    try {
      process.env.HOME = home;
      fs.mkdirSync(path.join(home, ".ssh"));
      fs.writeFileSync(path.join(home, ".ssh/id_lab"), "KEY");
      const inv = loadInventory(files.get("tilde.yaml")!);
      assert.equal(inv.hosts["home-key"].privateKeyPath, path.join(home, ".ssh/id_lab"));
      assert.equal(connectionArgs(inv.hosts["home-key"]).privateKey, "KEY");
      assert.throws(
        () => connectionArgs(inv.hosts["plain-key"]),
        /tilde\.yaml: host plain-key: ansible_ssh_private_key_file \/etc\/keys\/id_lab: cannot read it \(ENOENT\)/,
      );
      assert.throws(() => connectionArgs(inv.hosts["default-key"]), /host default-key: ansible_ssh_private_key_file is not set/);
      assert.equal(hostConnection(inv.hosts["plain-key"], "K").privateKey, "K");
    } finally {
      process.env.HOME = saved;
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it("maps -o ProxyJump= and -J to jump, with an inventory jump host's address, port, user and pin", () => {
    const h = ours.get("proxyjump.yaml")!.hosts;
    const conn = hostConnection(h["lb-a"], "K");
    assert.deepEqual(conn.jump, { host: "198.51.100.7", port: 2201, user: "jumper", privateKey: "K", hostKeySha256: "SHA256:bastion" });
    assert.equal(conn.sudo, undefined);
    assert.deepEqual(hostConnection(h["lb-b"], "K").jump, {
      host: "198.51.100.7",
      port: 2299,
      user: "ops",
      privateKey: "K",
      hostKeySha256: "SHA256:bastion",
    });
    assert.deepEqual(hostConnection(h["web-01"], "K").jump, {
      host: "gw.example.net",
      port: 2022,
      user: "admin",
      privateKey: "K",
      hostKeySha256: "SHA256:gw",
    });
    const two = hostConnection(h["web-02"], "K").jump!;
    assert.deepEqual(
      [two.host, two.port, two.user, two.jump?.host, two.jump?.user, two.jump?.hostKeySha256],
      ["198.51.100.7", 2201, "jumper", "outer.example", "edge", "SHA256:outer"],
    );
    assert.equal(h.bastion.jump, undefined);
    assert.throws(
      () => hostConnection(h["web-03"], "K"),
      /proxyjump\.yaml: host web-03: its ProxyJump host unpinned\.example has no pin; read it with `ssh-keyscan -p 22 unpinned\.example \| ssh-keygen -lf -`.*jump_host_key_sha256/,
    );
    const ini = ours.get("inventory.ini")!.hosts;
    assert.equal(ini["web-01"].jump?.name, "bastion");
    assert.throws(() => hostConnection(ini["web-01"], "K"), /host_key_sha256 is not set/);
    assert.deepEqual(ours.get("hosts")!.hosts["web-01"].jump, { host: "2001:db8::1", port: 2022, user: "root", hostKeySha256: "" });
    assert.throws(
      () => parseInventory(`all:\n  hosts:\n    a:\n      ansible_ssh_common_args: "-o ProxyCommand='ssh -W %h:%p b'"\n`, "pc.yaml"),
      /pc\.yaml: host a: ansible_ssh_common_args: ProxyCommand is not supported; use -o ProxyJump/,
    );
  });

  it("maps become to sudo; a password or another user is refused when the host is used, saying how to set NOPASSWD", () => {
    const h = ours.get("become.yaml")!.hosts;
    assert.equal(hostConnection(h["lb-a"], "K").sudo, true);
    assert.equal(hostConnection(h["lb-b"], "K").sudo, true);
    assert.equal(hostConnection(h["lb-c"], "K").sudo, undefined);
    assert.throws(
      () => hostConnection(h["with-pass"], "K"),
      /become\.yaml: host with-pass: ansible_become_password is set, but password sudo is not supported; .*NOPASSWD/,
    );
    assert.throws(
      () => hostConnection(h["with-pass-old"], "K"),
      /host with-pass-old: ansible_become_pass is set, but password sudo is not supported/,
    );
    assert.throws(
      () => hostConnection(h["as-postgres"], "K"),
      /host as-postgres: ansible_become_user is "postgres", but only becoming root is supported \(other users are not\)/,
    );
  });

  it("an absent pin is an error only when the host is used, saying how to read one", () => {
    const inv = ours.get("groups-only.yaml")!;
    assert.throws(
      () => hostConnection(inv.hosts["lb-a"], "K"),
      (err: Error) =>
        err.message.includes("groups-only.yaml: host lb-a: host_key_sha256 is not set") &&
        err.message.includes("`ssh-keyscan -p 22 192.0.2.10 | ssh-keygen -lf -`"),
    );
    assert.equal(hostConnection(inv.hosts["web-01"], "K").hostKeySha256, "SHA256:AAAAwebzero1");
  });

  it("names the file, the host or group, and the variable in its errors", () => {
    assert.throws(
      () => parseInventory("all:\n  hosts:\n    a:\n      ansible_port: http\n", "p.yaml"),
      /p\.yaml: host a: ansible_port must be a port/,
    );
    assert.throws(() => parseInventory("[g]\na ansible_become=maybe\n", "b.ini"), /b\.ini: host a: ansible_become must be a boolean/);
    assert.throws(() => parseInventory("[g:children]\nnope\n", "c.ini"), /c\.ini:2: section \[g:children\] includes undefined group nope/);
    assert.throws(() => parseInventory("[g:vars]\nx=1\n", "v.ini"), /v\.ini:1: section \[g:vars\] is for group g/);
    assert.throws(
      () => parseInventory("all:\n  children:\n    g:\n      hosts: [a, b]\n", "l.yaml"),
      /l\.yaml: group g: "hosts" must be a mapping/,
    );
    assert.throws(
      () => parseInventory("all:\n  hosts:\n    a:\n      addresses: 10.0.0.1\n", "a.yaml"),
      /a\.yaml: host a: addresses must be a map/,
    );
    assert.throws(
      () => parseInventory("all:\n  hosts: [a\n", "broken.yaml"),
      /broken\.yaml: neither YAML \(.+\) nor INI \(broken\.yaml:1: /,
    );
  });
});
