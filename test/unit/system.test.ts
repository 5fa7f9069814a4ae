// Package / SystemdService planning and GeneratedSecret's generator.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { generate } from "../../providers/secret/generatedSecret";
import { parsePackages, parseUnitState, queryPackagesCommand, unitCommands } from "../../providers/system/core";
import { prng } from "../support/prng";

describe("system pieces", () => {
  it("a unit already in the wanted state needs no command; others get exactly the missing ones", () => {
    assert.deepEqual(unitCommands("nginx", { enabled: true, running: true }, { enabled: true, running: true }), []);
    assert.deepEqual(unitCommands("nginx", { enabled: false, running: false }, { enabled: true, running: true }), [
      "systemctl enable -q nginx",
      "systemctl start nginx",
    ]);
    assert.deepEqual(unitCommands("haproxy", { enabled: true, running: true }, { enabled: false, running: false }), [
      "systemctl disable -q haproxy",
      "systemctl stop haproxy",
    ]);
    assert.deepEqual(parseUnitState("disabled inactive\n"), { enabled: false, running: false });
    assert.deepEqual(parseUnitState("enabled active\n"), { enabled: true, running: true });
  });

  it("package queries print one line per package and parse back", () => {
    assert.deepEqual(parsePackages("nginx installed\nfoo missing\n"), { nginx: true, foo: false });
    // Run by a real shell: a package that is surely absent reads as missing.
    const r = spawnSync("sh", ["-c", queryPackagesCommand(["pulumi-lvs-no-such-package"])], { encoding: "utf8" });
    assert.equal(r.stdout.trim(), "pulumi-lvs-no-such-package missing");
  });

  it("generated secrets have the length and alphabet asked for, and use every character", () => {
    const rand = prng(7);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    const s = generate(4000, "abc", bytes);
    assert.equal(s.length, 4000);
    assert.match(s, /^[abc]+$/);
    for (const ch of "abc") assert.ok(s.split(ch).length - 1 > 1200, `${ch} appears about a third of the time`);
    assert.equal(generate(8, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", bytes).length, 8);
  });
});
