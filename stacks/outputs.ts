// Stack outputs every topology shows: the VIP, a URL, the hosts with their
// roles, and a one-line command that tries the VIP from the lab's client.
export interface TopologyOutputs {
  vip: string;
  url: string;
  /** host -> role (director MASTER, real server, ...). */
  hosts: Record<string, string>;
  try: string;
  [key: string]: unknown;
}

export function topologyOutputs(vip: string, hosts: Record<string, string>, path = "/", port = 80, extra: Record<string, unknown> = {}): TopologyOutputs {
  const url = `http://${vip}${port === 80 ? "" : `:${port}`}${path}`;
  return { vip, url, hosts, try: `npm run lab -- exec client -- curl -s ${url}`, ...extra };
}
