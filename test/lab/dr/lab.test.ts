// The lab itself on the dr preset.
import { strict as assert } from "node:assert";
import * as lab from "../../../lab/lab";
import { allHostsPinned, ok, reaches, usePreset, vrrpPackets } from "../../support/labChecks";
import { holdsVip, until } from "../../support/stacks";

describe("lab: preset dr", function () {
  this.timeout(600000);
  usePreset("dr");

  it("every host answers SSH with its pinned host key", async () => {
    await allHostsPinned(["client", "director1", "director2", "rs1", "rs2"]);
    assert.equal(reaches("client", "192.168.118.100"), false, "the VIP is left free");
  });

  it("keeps IPVS state per host", () => {
    ok("director1", "ipvsadm -A -t 192.168.118.100:80 -s rr");
    assert.match(ok("director1", "ipvsadm -Sn"), /192\.168\.118\.100:80/);
    assert.equal(ok("director2", "ipvsadm -Sn").trim(), "");
    ok("director1", "ipvsadm -C");
  });

  it("passes VRRP multicast between the directors; cut stops it and heal restores it", async () => {
    const conf = [
      "vrrp_instance VI_1 {",
      "  state MASTER",
      "  interface ens33",
      "  virtual_router_id 51",
      "  priority 120",
      "  advert_int 1",
      "  virtual_ipaddress {",
      "    192.168.118.100/24",
      "  }",
      "}",
    ].join("\n");
    ok(
      "director1",
      `cat > /tmp/vrrp-test.conf <<'EOF'\n${conf}\nEOF\nkeepalived -f /tmp/vrrp-test.conf -p /run/vrrp-test.pid -r /run/vrrp-test-vrrp.pid`,
    );
    try {
      // keepalived starts in BACKUP and sends adverts once it is MASTER (three advert intervals later).
      await until("director1 MASTER (holding the VIP)", 20, () => holdsVip("director1"));
      assert.ok(vrrpPackets("director2", 4) >= 2, "director2 sees director1's adverts");
      lab.cut("director1", "director2");
      assert.equal(vrrpPackets("director2", 4), 0, "no adverts cross a cut link");
      assert.ok(reaches("client", "192.168.118.10"), "cut affects only that pair");
      lab.heal();
      assert.ok(vrrpPackets("director2", 4) >= 2, "adverts pass again after heal");
    } finally {
      lab.heal();
      lab.exec("director1", "kill $(cat /run/vrrp-test.pid) 2>/dev/null; rm -f /tmp/vrrp-test.conf");
    }
  });
});
