import { strict as assert } from "node:assert";
import { UNKNOWN } from "../../providers/common/check";
import {
  checkRoute,
  normalizeRoute,
  parseRoute,
  previousRoute,
  removeRouteCommand,
  renderRouteUnit,
  routeCommand,
  routeEntries,
  routeUnitName,
} from "../../providers/route/core";

const conn = { host: "192.168.118.30" };
const seed = normalizeRoute({ destination: "default", via: "192.168.118.20" });

describe("Route core", () => {
  it("renders the seed's gateway = DIP", () => {
    assert.deepEqual(checkRoute({ connection: conn, ...seed }), []);
    assert.equal(routeCommand(seed), "ip route replace default via 192.168.118.20");
    assert.equal(
      routeCommand(normalizeRoute({ destination: "10.0.0.0/8", via: "192.168.118.1", dev: "ens33" })),
      "ip route replace 10.0.0.0/8 via 192.168.118.1 dev ens33",
    );
  });

  it("names the unit after the destination", () => {
    assert.equal(routeUnitName("default"), "pulumi-lvs-route-default.service");
    assert.equal(routeUnitName("10.0.0.0/8"), "pulumi-lvs-route-10.0.0.0-8.service");
  });

  it("renders a boot unit that sets the route once the network is online", () => {
    assert.equal(
      renderRouteUnit(seed),
      [
        "# Managed by pulumi-lvs (Route). Changes here are overwritten.",
        "[Unit]",
        "Description=pulumi-lvs route default via 192.168.118.20",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        'ExecStart=/bin/sh -c "ip route replace default via 192.168.118.20"',
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    );
  });

  it("parses `ip route show default` output", () => {
    const ours = "default via 192.168.118.20 dev ens33 \n";
    assert.equal(parseRoute(ours, seed), true);
    assert.equal(parseRoute(ours, { ...seed, dev: "ens33" }), true);
    assert.equal(parseRoute(ours, { ...seed, dev: "ens36" }), false);
    assert.equal(parseRoute("default via 192.168.118.2 dev ens33 proto dhcp src 192.168.118.30 metric 100 \n", seed), false);
    assert.equal(parseRoute("", seed), false);
    // A DHCP default at metric 100 beside ours at metric 0: ours is there (and wins).
    const both = "default via 192.168.118.20 dev ens33 \ndefault via 192.168.118.2 dev ens33 proto dhcp src 192.168.118.30 metric 100 \n";
    assert.equal(parseRoute(both, seed), true);
    // The same gateway but only at metric 100 is not the route `ip route replace` manages.
    assert.equal(parseRoute("default via 192.168.118.20 dev ens33 proto static metric 100 \n", seed), false);
    assert.equal(parseRoute("default via 192.168.118.20 dev ens33 linkdown \n", seed), true);
    assert.equal(parseRoute("unreachable default \n", seed), false);
  });

  it("parses /32 destinations and multipath routes", () => {
    assert.equal(
      parseRoute("10.1.1.1 via 192.168.118.1 dev ens33 \n", normalizeRoute({ destination: "10.1.1.1/32", via: "192.168.118.1" })),
      true,
    );
    const multi =
      "default proto static metric 100 \n\tnexthop via 192.168.118.20 dev ens33 weight 1 \n\tnexthop via 192.168.118.21 dev ens33 weight 1 \n";
    assert.deepEqual(routeEntries(multi), [
      [
        "default",
        "proto",
        "static",
        "metric",
        "100",
        "nexthop",
        "via",
        "192.168.118.20",
        "dev",
        "ens33",
        "weight",
        "1",
        "nexthop",
        "via",
        "192.168.118.21",
        "dev",
        "ens33",
        "weight",
        "1",
      ],
    ]);
    assert.equal(parseRoute(multi, seed), false);
  });

  it("records the first route as previous, without output-only flags", () => {
    assert.equal(previousRoute("default via 10.0.0.1 dev ens33 \n"), "default via 10.0.0.1 dev ens33");
    assert.equal(
      previousRoute(
        "default via 10.0.0.1 dev ens33 proto dhcp src 10.0.0.5 metric 100 linkdown \ndefault via 10.0.0.2 dev ens34 metric 200 \n",
      ),
      "default via 10.0.0.1 dev ens33 proto dhcp src 10.0.0.5 metric 100",
    );
    assert.equal(previousRoute(""), undefined);
  });

  it("deletes the route and puts back the previous one", () => {
    assert.equal(removeRouteCommand(seed), "(ip route del default via 192.168.118.20 2>/dev/null || true)");
    assert.equal(
      removeRouteCommand(seed, "default via 10.0.0.1 dev ens33"),
      "(ip route del default via 192.168.118.20 2>/dev/null || true); (ip route replace default via 10.0.0.1 dev ens33 2>/dev/null || true)",
    );
    // The route was already there before create: leave it as it was.
    assert.equal(
      removeRouteCommand(seed, "default via 192.168.118.20 dev ens33 proto static"),
      "(ip route replace default via 192.168.118.20 dev ens33 proto static 2>/dev/null || true)",
    );
    // Words from the host are quoted.
    assert.match(removeRouteCommand(seed, "default via 10.0.0.1 dev $(reboot)"), /dev '\$\(reboot\)'/);
  });

  const base: Record<string, unknown> = { connection: conn, destination: "default", via: "192.168.118.20" };
  const bad: [string, Record<string, unknown>, string, string][] = [
    ["missing destination", { destination: undefined }, "destination", "destination is required"],
    ["bad CIDR", { destination: "10.0.0.0/33" }, "destination", "destination must be an IPv4 CIDR"],
    ["address without prefix", { destination: "10.0.0.1" }, "destination", "destination must be an IPv4 CIDR"],
    ["CIDR with host bits", { destination: "10.1.0.0/8" }, "destination", "did you mean 10.0.0.0/8?"],
    ["0.0.0.0/0", { destination: "0.0.0.0/0" }, "destination", `destination must be "default"`],
    ["destination with shell syntax", { destination: "default;reboot" }, "destination", "destination must be an IPv4 CIDR"],
    ["missing via", { via: undefined }, "via", "via is required"],
    ["IPv6 via", { via: "fe80::1" }, "via", "via must be an IPv4 address"],
    ["via with a newline", { via: "192.168.118.20\nreboot" }, "via", "via must be an IPv4 address"],
    ["interface with spaces", { dev: "ens 33" }, "dev", "dev must be an interface name"],
    ["interface with $()", { dev: "$(reboot)" }, "dev", "dev must be an interface name"],
    [
      "connection host with a newline",
      { connection: { host: "h\nreboot" } },
      "connection.host",
      "connection.host must be a host name or address",
    ],
  ];
  for (const [what, change, property, fragment] of bad) {
    it(`refuses ${what}`, () => {
      const failures = checkRoute({ ...base, ...change });
      assert.ok(
        failures.some((f) => f.property === property && f.reason.includes(fragment)),
        JSON.stringify(failures),
      );
    });
  }

  it("finds no failures in unknown values (preview)", () => {
    assert.deepEqual(checkRoute({ connection: UNKNOWN, destination: UNKNOWN, via: UNKNOWN, dev: UNKNOWN }), []);
    for (const k of ["connection", "destination", "via", "dev"])
      assert.deepEqual(checkRoute({ ...base, dev: "ens33", [k]: UNKNOWN }), [], k);
  });
});
