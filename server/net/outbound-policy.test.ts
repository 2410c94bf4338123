import { describe, expect, it } from "vitest";
import { OutboundPolicy, OutboundRefusedError, parseOutboundAllow } from "./outbound-policy";

const lookup = (policy: OutboundPolicy, hostname: string) =>
  new Promise<{ error: Error | null; addresses: unknown }>((resolve) =>
    policy.lookup(hostname, { all: true }, (error, addresses) => resolve({ error, addresses })),
  );

describe("OutboundPolicy", () => {
  const strict = new OutboundPolicy();

  it.each([
    "127.0.0.1",
    "127.255.0.9",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "224.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::127.0.0.1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:a9fe:a9fe",
    "64:ff9b::a9fe:a9fe",
    "2002:7f00:1::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
  ])("refuses %s by default", (address) => {
    expect(strict.allows(address, address)).toBe(false);
  });

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "allows the public address %s",
    (address) => {
      expect(strict.allows(address, address)).toBe(true);
    },
  );

  it("allows what the operator lists: addresses (in any form), ranges and host names", () => {
    const policy = new OutboundPolicy(["10.0.0.0/8", "127.0.0.1", "[::1]", "fd00::/8", "vllm.internal"]);
    expect(policy.allows("10.9.8.7", "10.9.8.7")).toBe(true);
    expect(policy.allows("127.0.0.1", "127.0.0.1")).toBe(true);
    expect(policy.allows("::ffff:127.0.0.1", "::ffff:127.0.0.1")).toBe(true);
    expect(policy.allows("::1", "::1")).toBe(true);
    expect(policy.allows("fd00::5", "fd00::5")).toBe(true);
    expect(policy.allows("VLLM.internal.", "192.168.0.9")).toBe(true);
    // Only what is listed: the rest of loopback and the other private ranges stay refused.
    expect(policy.allows("127.0.0.2", "127.0.0.2")).toBe(false);
    expect(policy.allows("192.168.0.9", "192.168.0.9")).toBe(false);
    expect(policy.allows("other.internal", "192.168.0.9")).toBe(false);
    expect(policy.allows("169.254.169.254", "169.254.169.254")).toBe(false);
  });

  it("refuses a name that resolves to loopback in the connection's own lookup, naming the setting", async () => {
    const { error } = await lookup(strict, "localhost");
    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(error!.message).toBe(
      "Arbiter does not connect to localhost: localhost resolves to an address that is not public (loopback, private, link-local or reserved). " +
        "If this server is meant to be reached, the operator can allow it on the web server with ARBITER_OUTBOUND_ALLOW=localhost " +
        "(host names, IP addresses or CIDR ranges, comma-separated).",
    );
    const allowed = await lookup(new OutboundPolicy(["localhost"]), "localhost");
    expect(allowed.error).toBeNull();
    expect(allowed.addresses).toContainEqual(expect.objectContaining({ address: expect.any(String) }));
  });
});

describe("parseOutboundAllow", () => {
  it("reads comma-separated hosts, addresses and ranges", () => {
    expect(parseOutboundAllow(" 10.0.0.0/8, vllm.internal ,127.0.0.1,,[::1]")).toEqual([
      "10.0.0.0/8",
      "vllm.internal",
      "127.0.0.1",
      "[::1]",
    ]);
    expect(parseOutboundAllow(undefined)).toEqual([]);
  });

  it.each(["10.0.0.0/33", "http://vllm:8000", "vllm:8000", "host/8", "under_score.internal", "1.2.3.4/8/1"])(
    "names the variable and the bad entry %s",
    (entry) => {
      expect(() => parseOutboundAllow(`127.0.0.1,${entry}`)).toThrow(
        `ARBITER_OUTBOUND_ALLOW: "${entry}" is not a host name, IP address or CIDR range`,
      );
    },
  );
});
