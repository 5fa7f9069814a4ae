// Where the lab keeps a preset's saved VM state: a new image, or any change
// to the preset's hosts, means another file (so a stale state is never loaded).
import { strict as assert } from "node:assert";
import { LabImage, savedStatePath } from "../../lab/lab";
import { presetNamed } from "../../lab/presets";

const image = (dir: string): LabImage => ({
  dir,
  disk: `${dir}/disk.img`,
  kernel: `${dir}/vmlinuz`,
  initrd: `${dir}/initrd.img`,
  privateKey: `${dir}/id_ed25519`,
});

describe("lab saved states", () => {
  it("live inside the image's directory, one per preset", () => {
    const p = savedStatePath(image("/cache/lab/image-aaa"), presetNamed("dr"));
    assert.match(p, /^\/cache\/lab\/image-aaa\/states\/dr-[0-9a-f]{12}\.qcow2$/);
    assert.equal(savedStatePath(image("/cache/lab/image-aaa"), presetNamed("dr")), p, "stable for the same inputs");
    assert.notEqual(savedStatePath(image("/cache/lab/image-aaa"), presetNamed("nat")), p);
    assert.match(
      savedStatePath(image("/cache/lab/image-bbb"), presetNamed("dr")),
      /^\/cache\/lab\/image-bbb\/states\/dr-/,
      "a new image has its own states",
    );
  });

  it("change when the preset's hosts change", () => {
    const dr = presetNamed("dr");
    const changed = { ...dr, hosts: dr.hosts.map((h) => (h.name === "rs1" ? { ...h, www: "another page" } : h)) };
    assert.notEqual(savedStatePath(image("/c"), changed), savedStatePath(image("/c"), dr));
  });
});
