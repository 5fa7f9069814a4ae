import { strict as assert } from "node:assert";
import { addCommand, checkVip, delCommand, normalizeVip, parseIpAddr, renderUnit } from "../../providers/vip/core";

describe("VipAlias core", () => {
  it("parses `ip -o addr show` with labels, secondaries and IPv6", () => {
    const text = [
      "7: ens36    inet 12.0.0.20/24 scope global ens36\\       valid_lft forever preferred_lft forever",
      "7: ens36    inet 12.0.0.100/24 scope global secondary ens36:0\\       valid_lft forever preferred_lft forever",
      "1: lo    inet 192.168.118.100/32 scope global lo:0\\       valid_lft forever preferred_lft forever",
      "7: ens36    inet6 fe80::8071:c3ff:fea5:74b4/64 scope link \\       valid_lft forever preferred_lft forever",
    ].join("\n");
    assert.deepEqual(parseIpAddr(text), [
      { interface: "ens36", address: "12.0.0.20", prefix: 24 },
      { interface: "ens36", address: "12.0.0.100", prefix: 24, label: "ens36:0" },
      { interface: "lo", address: "192.168.118.100", prefix: 32, label: "lo:0" },
      { interface: "ens36", address: "fe80::8071:c3ff:fea5:74b4", prefix: 64 },
    ]);
  });

  it("renders the seed's lo:0 alias with its host route, and a unit that restores it", () => {
    const v = normalizeVip({ address: "192.168.118.100", interface: "lo", label: "lo:0", hostRoute: true });
    assert.equal(addCommand(v), "ip addr replace 192.168.118.100/32 dev lo label lo:0 && ip route replace 192.168.118.100/32 dev lo");
    assert.equal(
      delCommand(v),
      "(ip route del 192.168.118.100/32 dev lo 2>/dev/null || true); (ip addr del 192.168.118.100/32 dev lo 2>/dev/null || true)",
    );
    assert.match(renderUnit(v), /^ExecStart=\/bin\/sh -c "ip addr replace 192\.168\.118\.100\/32 dev lo label lo:0 && ip route replace/m);
  });

  it("refuses bad labels, addresses and ARP on lo", () => {
    const reasons = (i: Record<string, unknown>) => checkVip({ connection: { host: "h" }, ...i }).map((f) => f.reason);
    assert.deepEqual(reasons({ address: "10.1.1.1", interface: "ens33", label: "ens34:0" }), [
      'label must be "ens33:<suffix>" (at most 15 characters, as the kernel allows); got "ens34:0"',
    ]);
    assert.deepEqual(reasons({ address: "10.1.1.256", interface: "ens33" }), ['address must be an IPv4 or IPv6 address; got "10.1.1.256"']);
    assert.deepEqual(reasons({ address: "10.1.1.1", interface: "lo", gratuitousArp: true }), [
      "gratuitousArp makes no sense on lo (DR real servers must not announce the VIP)",
    ]);
    assert.deepEqual(reasons({ address: "10.1.1.1", interface: "ens33; reboot" }), [
      `interface must be an interface name of 1..15 letters, digits, '_', '-', '.' (not starting with '-', not . or ..); got "ens33; reboot"`,
    ]);
  });
});
