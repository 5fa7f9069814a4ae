// The dr preset's hosts (director1, director2, client, rs1, rs2) as an
// inventory whose every host is at a closed port on 127.0.0.1: a preview that
// dialled any of them would fail, so tests using it prove preview stays offline.
import { renderInventory } from "../../stacks/inventory";

/** The inventory's YAML; `rs1` (default 192.168.118.30/24) lets a test move rs1 off the segment. */
export function closedInventory(privateKeyPath: string, rs1 = "192.168.118.30/24"): string {
  const h = (name: string, cidr: string, groups: string[]) => ({
    name,
    groups,
    sshHost: "127.0.0.1",
    port: 1,
    user: "root",
    privateKeyPath,
    hostKeySha256: `SHA256:${"A".repeat(43)}`,
    addresses: { ens33: cidr },
  });
  const hosts = {
    director1: h("director1", "192.168.118.10/24", ["directors"]),
    director2: h("director2", "192.168.118.11/24", ["directors"]),
    client: h("client", "192.168.118.20/24", ["clients"]),
    rs1: h("rs1", rs1, ["realservers"]),
    rs2: h("rs2", "192.168.118.40/24", ["realservers"]),
  };
  return renderInventory({ hosts, groups: { directors: ["director1", "director2"], clients: ["client"], realservers: ["rs1", "rs2"] } });
}
