// Cross-host checks that stacks run before declaring anything.
import { strict as assert } from "node:assert";
import { drSameSubnet, inSubnet, networkCidr, vipNotOwned, vrrpPair } from "../../stacks/checks";

const host = (name: string, cidr: string) => ({ name, addresses: { ens33: cidr } });

describe("stack cross-host checks", () => {
  it("subnets", () => {
    assert.equal(inSubnet("192.168.118.30", "192.168.118.10/24"), true);
    assert.equal(inSubnet("192.168.119.30", "192.168.118.10/24"), false);
    assert.equal(inSubnet("10.1.2.3", "10.0.0.0/8"), true);
    assert.equal(networkCidr("192.168.118.20/24"), "192.168.118.0/24");
    assert.equal(networkCidr("10.200.3.4/12"), "10.192.0.0/12");
  });

  it("IPv4 prefix lengths 0, 32 and the edges of a /30", () => {
    assert.equal(inSubnet("203.0.113.9", "0.0.0.0/0"), true);
    assert.equal(inSubnet("255.255.255.255", "10.0.0.1/0"), true);
    assert.equal(inSubnet("192.0.2.7", "192.0.2.7/32"), true);
    assert.equal(inSubnet("192.0.2.8", "192.0.2.7/32"), false);
    assert.equal(inSubnet("192.0.2.4", "192.0.2.5/30"), true);
    assert.equal(inSubnet("192.0.2.7", "192.0.2.5/30"), true);
    assert.equal(inSubnet("192.0.2.8", "192.0.2.5/30"), false);
    assert.equal(inSubnet("192.0.2.3", "192.0.2.5/30"), false);
    assert.equal(networkCidr("203.0.113.9/0"), "0.0.0.0/0");
    assert.equal(networkCidr("203.0.113.9/32"), "203.0.113.9/32");
  });

  it("IPv6 subnets", () => {
    assert.equal(inSubnet("2001:db8::30", "2001:db8::10/64"), true);
    assert.equal(inSubnet("2001:db8:0:0:ffff:ffff:ffff:ffff", "2001:db8::/64"), true);
    assert.equal(inSubnet("2001:db8:0:1::30", "2001:db8::10/64"), false);
    assert.equal(inSubnet("2001:DB8:0000::30", "2001:db8::/64"), true, "case and leading zeros do not matter");
    assert.equal(inSubnet("2001:db8:ab00::1", "2001:db8:ab00::/40"), true);
    assert.equal(inSubnet("2001:db8:ac00::1", "2001:db8:ab00::/40"), false);
    assert.equal(inSubnet("fe80::1", "::/0"), true);
    assert.equal(inSubnet("2001:db8::1", "2001:db8::1/128"), true);
    assert.equal(inSubnet("2001:db8::2", "2001:db8::1/128"), false);
    assert.equal(inSubnet("2001:db8:ffff::1", "2001:db8::/32"), true);
    assert.equal(inSubnet("2001:db9::1", "2001:db8::/32"), false);
  });

  it("an address is never inside a subnet of the other family", () => {
    assert.equal(inSubnet("192.168.118.30", "2001:db8::/64"), false);
    assert.equal(inSubnet("2001:db8::1", "192.168.118.0/24"), false);
    assert.equal(inSubnet("10.0.0.1", "::/0"), false);
    assert.equal(inSubnet("::1", "0.0.0.0/0"), false);
    assert.equal(inSubnet("::ffff:192.168.118.30", "192.168.118.0/24"), false, "an IPv4-mapped address is IPv6");
    assert.equal(inSubnet("::ffff:192.168.118.30", "::ffff:192.168.118.0/120"), true);
  });

  it("the network of an IPv6 address/prefix, compressed", () => {
    assert.equal(networkCidr("2001:db8::5/64"), "2001:db8::/64");
    assert.equal(networkCidr("2001:0DB8:0000:0000:0001:0000:0000:0005/64"), "2001:db8::/64");
    assert.equal(networkCidr("2001:db8:abcd:12:34::5/48"), "2001:db8:abcd::/48");
    assert.equal(networkCidr("2001:db8:0:0:1:0:0:1/128"), "2001:db8::1:0:0:1/128");
    assert.equal(networkCidr("2001:db8::5/0"), "::/0");
    assert.equal(networkCidr("2001:db8:ffff::1/32"), "2001:db8::/32");
  });

  it("malformed addresses and prefixes throw, naming the value", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => inSubnet("x", "10.0.0.0/8"), /^Error: not an IP address: "x"$/],
      [() => inSubnet("", "10.0.0.0/8"), /not an IP address: ""/],
      [() => inSubnet("10.0.0.256", "10.0.0.0/8"), /not an IP address: "10\.0\.0\.256"/],
      [() => inSubnet("10.1", "10.0.0.0/8"), /not an IP address: "10\.1"/],
      [() => inSubnet("010.0.0.1", "8.0.0.0/8"), /not an IP address: "010\.0\.0\.1"/],
      [() => inSubnet("0x0a.0.0.1", "10.0.0.0/8"), /not an IP address: "0x0a\.0\.0\.1"/],
      [() => inSubnet(" 10.0.0.1", "10.0.0.0/8"), /not an IP address: " 10\.0\.0\.1"/],
      [() => inSubnet("10.0.0.1/8", "10.0.0.0/8"), /not an IP address: "10\.0\.0\.1\/8"/],
      [() => inSubnet("2001:db8::1::2", "2001:db8::/64"), /not an IP address: "2001:db8::1::2"/],
      [() => inSubnet("2001:db8::12345", "2001:db8::/64"), /not an IP address: "2001:db8::12345"/],
      [() => inSubnet("fe80::1%ens33", "fe80::/64"), /not an IP address: "fe80::1%ens33"/],
      [() => inSubnet("::10.0.0.1", "::/0"), /not an IP address: "::10\.0\.0\.1"/],
      [() => inSubnet("::ffff:010.0.0.1", "::/0"), /not an IP address: "::ffff:010\.0\.0\.1"/],
      [() => inSubnet("10.0.0.1", "10.0.0.0"), /not an address\/prefix: "10\.0\.0\.0"$/],
      [() => inSubnet("10.0.0.1", "10.0.0.0/"), /not an address\/prefix: "10\.0\.0\.0\/"$/],
      [() => inSubnet("10.0.0.1", "10.0.0.0/x"), /not an address\/prefix: "10\.0\.0\.0\/x"$/],
      [() => inSubnet("10.0.0.1", "10.0.0.0/08"), /not an address\/prefix: "10\.0\.0\.0\/08"$/],
      [() => inSubnet("10.0.0.1", "10.0.0.0/-1"), /not an address\/prefix: "10\.0\.0\.0\/-1"$/],
      [() => inSubnet("10.0.0.1", "10.0.0.0/33"), /not an address\/prefix: "10\.0\.0\.0\/33" \(an IPv4 prefix is at most 32\)/],
      [() => inSubnet("2001:db8::1", "2001:db8::/129"), /not an address\/prefix: "2001:db8::\/129" \(an IPv6 prefix is at most 128\)/],
      [() => inSubnet("10.0.0.1", "10.0.0.0.0/8"), /not an address\/prefix: "10\.0\.0\.0\.0\/8" \(not an IP address: "10\.0\.0\.0\.0"\)/],
      [() => networkCidr("2001:db8::5"), /not an address\/prefix: "2001:db8::5"$/],
      [() => networkCidr("2001:db8::g/64"), /not an IP address: "2001:db8::g"/],
      [() => networkCidr("192.168.118.20/24/1"), /not an address\/prefix: "192\.168\.118\.20\/24\/1"/],
    ];
    for (const [f, msg] of cases) assert.throws(f, (e: unknown) => e instanceof Error && msg.test(String(e)), `${msg}`);
  });

  it("the VIP must not be a host's own address", () => {
    assert.deepEqual(vipNotOwned("192.168.118.100", [host("rs1", "192.168.118.30/24")]), []);
    assert.match(
      vipNotOwned("192.168.118.30", [host("rs1", "192.168.118.30/24")])[0],
      /the VIP 192\.168\.118\.30 is rs1's own address on ens33/,
    );
  });

  it("the VIP is compared by value, in either family", () => {
    const rs = { name: "rs1", addresses: { ens33: "192.168.118.30/24", ens34: "2001:0db8:0:0::1/64" } };
    assert.deepEqual(vipNotOwned("2001:db8::1", [rs]), ["the VIP 2001:db8::1 is rs1's own address on ens34; pick a free address"]);
    assert.equal(vipNotOwned("2001:DB8::0:1", [rs]).length, 1);
    assert.deepEqual(vipNotOwned("2001:db8::2", [rs]), []);
    assert.deepEqual(vipNotOwned("::ffff:192.168.118.30", [rs]), [], "an IPv4-mapped address is not the IPv4 address");
    assert.equal(vipNotOwned("192.168.118.30", [{ name: "rs2", addresses: { lo: "192.168.118.30" } }]).length, 1, "prefix optional");
    assert.throws(() => vipNotOwned("192.168.118.300", [rs]), /^Error: the VIP: not an IP address: "192\.168\.118\.300"$/);
    assert.throws(
      () => vipNotOwned("2001:db8::1", [{ name: "rs3", addresses: { ens33: "2001:db8::zz/64" } }]),
      /^Error: host rs3 ens33: not an IP address: "2001:db8::zz"$/,
    );
  });

  it("DR real servers must share the director's segment", () => {
    const d = host("director1", "192.168.118.10/24");
    assert.deepEqual(drSameSubnet(d, "ens33", [host("rs1", "192.168.118.30/24")]), []);
    assert.match(
      drSameSubnet(d, "ens33", [host("rs9", "10.0.0.9/24")])[0],
      /DR real server rs9 .* is not on director director1's subnet 192\.168\.118\.10\/24/,
    );
    assert.match(drSameSubnet(d, "ens36", [])[0], /director director1 has no address on ens36/);
  });

  it("DR over IPv6: the same segment by prefix, any of a real server's addresses", () => {
    const d = host("director1", "2001:db8:118::10/64");
    assert.deepEqual(drSameSubnet(d, "ens33", [host("rs1", "2001:db8:118::30/64"), host("rs2", "2001:DB8:118:0::31/64")]), []);
    assert.deepEqual(
      drSameSubnet(d, "ens33", [{ name: "rs3", addresses: { ens33: "192.168.118.30/24", ens34: "2001:db8:118::32/64" } }]),
      [],
    );
    assert.match(
      drSameSubnet(d, "ens33", [host("rs9", "2001:db8:119::9/64")])[0],
      /^DR real server rs9 \(2001:db8:119::9\/64\) is not on director director1's subnet 2001:db8:118::10\/64 \(ens33\); LVS-DR needs one L2 segment$/,
    );
    assert.equal(drSameSubnet(d, "ens33", [host("rs4", "192.168.118.30/24")]).length, 1, "an IPv4 real server is not on an IPv6 segment");
    assert.equal(drSameSubnet(host("director1", "192.168.118.10/24"), "ens33", [host("rs5", "::ffff:192.168.118.30/120")]).length, 1);
    assert.equal(drSameSubnet(host("d128", "2001:db8::10/128"), "ens33", [host("rs6", "2001:db8::11/64")]).length, 1);
    assert.deepEqual(drSameSubnet(host("d0", "::/0"), "ens33", [host("rs7", "2001:db8::11/64")]), []);
    assert.throws(
      () => drSameSubnet(host("director2", "2001:db8::10"), "ens33", []),
      /^Error: director director2 ens33: not an address\/prefix: "2001:db8::10"$/,
    );
    assert.throws(
      () => drSameSubnet(d, "ens33", [host("rs8", "2001:db8:118::zz/64")]),
      /^Error: host rs8 ens33: not an IP address: "2001:db8:118::zz"$/,
    );
  });

  it("a VRRP pair shares VRID and auth, has distinct priorities and one MASTER with the highest", () => {
    const p = (host: string, state: "MASTER" | "BACKUP", priority: number, vrid = 51, authPass = "s3cret") => ({
      host,
      state,
      priority,
      virtualRouterId: vrid,
      authPass,
      interface: "ens33",
    });
    assert.deepEqual(vrrpPair([p("d1", "MASTER", 120), p("d2", "BACKUP", 100)]), []);
    const cases: [ReturnType<typeof p>[], RegExp][] = [
      [[p("d1", "MASTER", 120), p("d2", "BACKUP", 100, 52)], /must share virtual_router_id; got d1=51, d2=52/],
      [[p("d1", "MASTER", 120), p("d2", "BACKUP", 100, 51, "other")], /must share the authentication pass \(d1, d2 differ\)/],
      [[p("d1", "MASTER", 100), p("d2", "BACKUP", 100)], /distinct priorities; got d1=100, d2=100/],
      [[p("d1", "MASTER", 120), p("d2", "MASTER", 100)], /exactly one MASTER; got 2/],
      [[p("d1", "MASTER", 90), p("d2", "BACKUP", 100)], /the MASTER d1 \(priority 90\) must have the highest priority/],
      [[p("d1", "MASTER", 120)], /at least two hosts/],
    ];
    for (const [peers, msg] of cases) {
      const f = vrrpPair(peers);
      assert.ok(
        f.some((m) => msg.test(m)),
        `${msg}: ${f.join(" | ")}`,
      );
      assert.ok(
        f.every((m) => !m.includes("s3cret") && !m.includes("other")),
        "the pass is never printed",
      );
    }
  });
});
