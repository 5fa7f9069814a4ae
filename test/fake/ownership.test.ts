// Random valid inputs never make a resource write outside the places it owns.
// fast-check generates inputs (fixed seed; FC_RUNS=<n> for a larger run); each
// is created and deleted on a fake host, and every file or directory the host
// saw change (`find -newer` a mark, over every writable tree of the host, less
// the stand-ins' own model of the kernel in /var/lib/fakehost) must lie in the
// places that input owns. Free text (a managed file's content) must arrive
// byte for byte.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { managedFileProvider } from "../../providers/files/managedFile";
import { sysctlSetProvider } from "../../providers/sysctl/sysctlSet";
import { vipAliasProvider } from "../../providers/vip/vipAlias";
import { DEFAULT_SYSCTLS, FakeHost } from "../support/fakeHost";
import { create, InputsOf, remove, withFakeHost } from "./lifecycle";

const RUNS = Number(process.env.FC_RUNS ?? 4);
const SEED = 2311;
const TREES = "/etc /var /opt /usr /run /srv /home /mnt /media /root /tmp /proc/sys";
/** What changes on every operation and belongs to no resource: the stand-ins' model, the temp directories' own mtime. */
const IGNORED = [/^\/var\/lib\/fakehost(\/|$)/, /^\/tmp$/, /^\/run$/, /^\/var\/tmp$/];

/** Paths changed on the host since `mark()`. */
async function changedSince(h: FakeHost, mark: string): Promise<string[]> {
  const out = await h.sh(`find ${TREES} -xdev -newer ${mark} 2>/dev/null | sort; true`);
  return out.split("\n").filter((p) => p && p !== mark && !IGNORED.some((r) => r.test(p)));
}

async function mark(h: FakeHost): Promise<string> {
  const m = "/run/.ownership-mark";
  await h.sh(`touch ${m} && sleep 0.01`);
  return m;
}

function outside(paths: string[], owned: RegExp[]): string[] {
  return paths.filter((p) => !owned.some((r) => r.test(p)));
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("fake host: random valid inputs write only where the resource owns", function () {
  this.timeout(600000);
  const host = withFakeHost();
  const writes = { cases: 0, paths: 0 };
  after(() => console.log(`      ${writes.cases} generated inputs, ${writes.paths} changed paths, all inside what their resource owns`));

  it("SysctlSet: its /etc/sysctl.d file and its keys under /proc/sys", async () => {
    const keys = Object.keys(DEFAULT_SYSCTLS).map((k) => k.replace(/\//g, "."));
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/),
        fc.uniqueArray(fc.constantFrom(...keys), { minLength: 1, maxLength: 4 }),
        fc.constantFrom("0", "1", "2"),
        async (name, chosen, value) => {
          const h = host();
          const values = Object.fromEntries(chosen.map((k) => [k, value]));
          const m = await mark(h);
          const { id, outs } = await create(sysctlSetProvider, {
            connection: h.connection,
            name,
            values,
          } as InputsOf<typeof sysctlSetProvider>);
          await remove(sysctlSetProvider, id, outs);
          const owned = [
            new RegExp(`^/etc/sysctl\\.d(/${esc(name)}\\.conf)?$`),
            ...chosen.map((k) => new RegExp(`^/proc/sys/${esc(k.replace(/\./g, "/"))}$`)),
          ];
          const changed = await changedSince(h, m);
          writes.cases++;
          writes.paths += changed.length;
          assert.deepEqual(outside(changed, owned), [], `name ${name}, keys ${chosen.join(", ")}`);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("ManagedFile: its path (and the directories made for it); content arrives byte for byte", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,12}$/), { minLength: 1, maxLength: 3 }),
        fc.string({ unit: "binary", maxLength: 200 }).filter((s) => !s.includes("\0")), // NUL is refused by its check
        async (segments, content) => {
          const h = host();
          const file = `/etc/owned/${segments.join("/")}.conf`;
          const m = await mark(h);
          const { id, outs } = await create(managedFileProvider, {
            connection: h.connection,
            path: file,
            content,
          } as InputsOf<typeof managedFileProvider>);
          const onHost = await h.exec(`base64 -w0 < '${file}'`);
          assert.equal(Buffer.from(onHost.stdout, "base64").toString("utf8"), content, `content of ${file}`);
          await remove(managedFileProvider, id, outs);
          const dirs = segments.slice(0, -1).map((_, i) => `/etc/owned/${segments.slice(0, i + 1).join("/")}`);
          // Its record of what was at the path before (put back at delete) is under /var/lib/pulumi-lvs/stock.
          const owned = [/^\/etc$/, /^\/etc\/owned$/, ...dirs.map((d) => new RegExp(`^${esc(d)}$`)), new RegExp(`^${esc(file)}$`)].flatMap(
            (r) => [r, new RegExp(`^/var/lib/pulumi-lvs/stock${r.source.slice(1)}`)],
          );
          owned.push(/^\/var\/lib\/pulumi-lvs(\/stock)?$/);
          const changed = await changedSince(h, m);
          writes.cases++;
          writes.paths += changed.length;
          assert.deepEqual(outside(changed, owned), [], file);
          await h.sh("rm -rf /etc/owned");
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("VipAlias: its boot unit (and its enable link), nothing else on disk", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 254 }), fc.stringMatching(/^[a-z0-9]{1,8}$/), async (octet, suffix) => {
        const h = host();
        const m = await mark(h);
        const { id, outs } = await create(vipAliasProvider, {
          connection: h.connection,
          address: `10.9.0.${octet}`,
          interface: "ens33",
          label: `ens33:${suffix}`,
        } as InputsOf<typeof vipAliasProvider>);
        await remove(vipAliasProvider, id, outs);
        const owned = [
          /^\/etc\/systemd\/system$/,
          /^\/etc\/systemd\/system\/multi-user\.target\.wants$/,
          new RegExp(`^/etc/systemd/system/(multi-user\\.target\\.wants/)?pulumi-lvs-vip-[^/]*${esc(suffix)}[^/]*\\.service$`),
        ];
        const changed = await changedSince(h, m);
        writes.cases++;
        writes.paths += changed.length;
        assert.deepEqual(outside(changed, owned), [], `ens33:${suffix}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
