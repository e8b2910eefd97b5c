import { createSocket, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { systemDnsResolver } from "../../cli/dns";

/**
 * A tiny authoritative name server on localhost: answers A and TXT for the names it knows, with
 * the AA bit set, like Route 53's name servers. Enough DNS (RFC 1035 §4.1) for one question.
 */
function startNameServer(records: Record<string, { A?: string[]; TXT?: string[] }>): Promise<{ socket: Socket; address: string }> {
  const socket = createSocket("udp4");
  socket.on("message", (query, peer) => {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset] !== 0) {
      labels.push(query.subarray(offset + 1, offset + 1 + query[offset]).toString());
      offset += query[offset] + 1;
    }
    const question = query.subarray(12, offset + 5);
    const type = query.readUInt16BE(offset + 1);
    const entry = records[labels.join(".")];
    const rdatas =
      type === 1
        ? (entry?.A ?? []).map((ip) => Buffer.from(ip.split(".").map(Number)))
        : type === 16
          ? (entry?.TXT ?? []).map((t) => Buffer.concat([Buffer.from([t.length]), Buffer.from(t)]))
          : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    header.writeUInt16BE(entry ? 0x8400 : 0x8403, 2); // response, authoritative; NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(rdatas.length, 6);
    const answers = rdatas.map((rdata) => {
      const fixed = Buffer.alloc(12);
      fixed.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      fixed.writeUInt16BE(type, 2);
      fixed.writeUInt16BE(1, 4);
      fixed.writeUInt32BE(60, 6);
      fixed.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([fixed, rdata]);
    });
    socket.send(Buffer.concat([header, question, ...answers]), peer.port, peer.address);
  });
  return new Promise((resolve) =>
    socket.bind(0, "127.0.0.1", () => resolve({ socket, address: `127.0.0.1:${(socket.address() as AddressInfo).port}` })),
  );
}

describe("systemDnsResolver", () => {
  it("asks the given name servers for A and TXT (the witness) answers", async () => {
    const { socket, address } = await startNameServer({
      "api.pay.example.com": { A: ["192.0.2.10", "192.0.2.11"] },
      "_region.api.pay.example.com": { TXT: ["us-east-2"] },
    });
    try {
      const resolver = systemDnsResolver();
      await expect(resolver.resolve("api.pay.example.com", "A", [address], 2000)).resolves.toEqual(["192.0.2.10", "192.0.2.11"]);
      await expect(resolver.resolve("_region.api.pay.example.com", "TXT", [address], 2000)).resolves.toEqual(["us-east-2"]);
      await expect(resolver.resolve("nothing.pay.example.com", "TXT", [address], 2000)).rejects.toThrow(/ENOTFOUND/);
    } finally {
      socket.close();
    }
  });

  it("gives up within its time limit when the name server does not answer", async () => {
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", () => resolve()));
    const address = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      await expect(systemDnsResolver().resolve("api.pay.example.com", "A", [address], 300)).rejects.toThrow(
        "A api.pay.example.com: no answer within 0.3 s",
      );
      expect(Date.now() - started).toBeLessThan(30_000); // 100 times the limit: a loaded machine delays timers, it does not multiply them
    } finally {
      silent.close();
    }
  });
});
