// Which addresses Arbiter may connect to when an admin aims a request (a variant's model
// endpoint; later judges and webhooks). Admins are not the operator: by default only public
// addresses are reached, so a URL cannot point at the web server itself, the private network or
// cloud metadata (169.254.169.254). The operator opens named hosts, IPs or CIDR ranges with
// ARBITER_OUTBOUND_ALLOW. The check runs in the connection's own DNS lookup (see
// outbound-fetch.ts), so the address checked is the address connected to: DNS rebinding cannot
// slip between a check and the connection.
import dns, { type LookupAddress } from "node:dns";
import net from "node:net";

const OUTBOUND_ALLOW_VARIABLE = "ARBITER_OUTBOUND_ALLOW";

/** A request refused because its address is not public and the operator did not allow it. */
export class OutboundRefusedError extends Error {
  override name = "OutboundRefusedError";
}

/** The refusal inside an error's cause chain (HTTP clients wrap what their fetch threw). */
export function outboundRefusalIn(error: unknown): OutboundRefusedError | null {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    if (cause instanceof OutboundRefusedError) return cause;
  }
  return null;
}

// Everything that is not a routable public address (IANA special-purpose registries). IPv4 rules
// also match the IPv4-mapped IPv6 forms (::ffff:127.0.0.1): BlockList compares those as IPv4.
const NOT_PUBLIC: [address: string, prefix: number, family: "ipv4" | "ipv6"][] = [
  ["0.0.0.0", 8, "ipv4"], // "this network"; 0.0.0.0 reaches the local host
  ["10.0.0.0", 8, "ipv4"],
  ["100.64.0.0", 10, "ipv4"], // carrier-grade NAT
  ["127.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"], // link-local, cloud metadata
  ["172.16.0.0", 12, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["192.0.2.0", 24, "ipv4"],
  ["192.88.99.0", 24, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["198.51.100.0", 24, "ipv4"],
  ["203.0.113.0", 24, "ipv4"],
  ["224.0.0.0", 4, "ipv4"], // multicast
  ["240.0.0.0", 4, "ipv4"], // reserved, broadcast
  ["::", 96, "ipv6"], // unspecified, loopback, IPv4-compatible (::127.0.0.1)
  ["64:ff9b::", 96, "ipv6"], // NAT64: IPv4 behind a translator
  ["64:ff9b:1::", 48, "ipv6"],
  ["100::", 64, "ipv6"], // discard
  ["2001::", 32, "ipv6"], // Teredo
  ["2001:db8::", 32, "ipv6"], // documentation
  ["2002::", 16, "ipv6"], // 6to4: IPv4 inside
  ["fc00::", 7, "ipv6"], // unique local
  ["fe80::", 10, "ipv6"], // link-local
  ["fec0::", 10, "ipv6"], // site-local
  ["ff00::", 8, "ipv6"], // multicast
];

const notPublic = new net.BlockList();
for (const [address, prefix, family] of NOT_PUBLIC) notPublic.addSubnet(address, prefix, family);

const familyOf = (address: string) => (net.isIPv6(address) ? "ipv6" : "ipv4");

function isPublic(address: string) {
  return net.isIP(address) !== 0 && !notPublic.check(address, familyOf(address));
}

/** A URL's host as net.isIP and DNS want it: no IPv6 brackets, no trailing dot, lower case. */
export function bareHost(hostname: string) {
  return hostname
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "")
    .toLowerCase();
}

const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

type AllowEntry = { kind: "host"; host: string } | { kind: "range"; address: string; prefix: number };

function parseEntry(raw: string): AllowEntry {
  const [addressPart, prefixPart, extra] = raw.split("/");
  const address = bareHost(addressPart);
  const family = net.isIP(address);
  if (prefixPart !== undefined && extra === undefined && family !== 0 && /^\d{1,3}$/.test(prefixPart)) {
    const prefix = Number(prefixPart);
    if (prefix <= (family === 4 ? 32 : 128)) return { kind: "range", address, prefix };
  }
  if (prefixPart === undefined && family !== 0) {
    return { kind: "range", address, prefix: family === 4 ? 32 : 128 };
  }
  if (prefixPart === undefined && HOST_NAME.test(address)) return { kind: "host", host: address };
  throw new Error(
    `${OUTBOUND_ALLOW_VARIABLE}: "${raw}" is not a host name, IP address or CIDR range ` +
      `(write them comma-separated, e.g. ${OUTBOUND_ALLOW_VARIABLE}=10.0.0.0/8,vllm.internal,127.0.0.1).`,
  );
}

/** The entries of ARBITER_OUTBOUND_ALLOW; throws an error naming the variable and the bad entry. */
export function parseOutboundAllow(value: string | undefined): string[] {
  const entries = (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) parseEntry(entry);
  return entries;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

export class OutboundPolicy {
  private readonly hosts = new Set<string>();
  private readonly ranges = new net.BlockList();

  /** `allow`: the operator's host names, IPs and CIDR ranges (ARBITER_OUTBOUND_ALLOW). */
  constructor(allow: readonly string[] = []) {
    for (const raw of allow) {
      const entry = parseEntry(raw);
      if (entry.kind === "host") this.hosts.add(entry.host);
      else this.ranges.addSubnet(entry.address, entry.prefix, familyOf(entry.address));
    }
  }

  /** May a connection for `host` (as written in the URL) go to `address`? */
  allows(host: string, address: string): boolean {
    if (this.hosts.has(bareHost(host))) return true;
    return isPublic(address) || (net.isIP(address) !== 0 && this.ranges.check(address, familyOf(address)));
  }

  /**
   * The refusal for `host`, which is not public. Names the setting that allows it and nothing
   * else: not what a host name resolved to, not what answers there.
   */
  refusal(host: string): OutboundRefusedError {
    const bare = bareHost(host);
    const what = net.isIP(bare)
      ? `${bare} is not a public address`
      : `${bare} resolves to an address that is not public`;
    return new OutboundRefusedError(
      `Arbiter does not connect to ${bare}: ${what} (loopback, private, link-local or reserved). ` +
        `If this server is meant to be reached, the operator can allow it on the web server with ` +
        `${OUTBOUND_ALLOW_VARIABLE}=${bare} (host names, IP addresses or CIDR ranges, comma-separated).`,
    );
  }

  /**
   * A net/http `lookup` that resolves as usual and refuses the connection when any address of
   * the name is not allowed (a name that also resolves privately is not trusted either).
   */
  readonly lookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (addresses.length === 0 || addresses.some(({ address }) => !this.allows(hostname, address))) {
        return callback(this.refusal(hostname), []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
