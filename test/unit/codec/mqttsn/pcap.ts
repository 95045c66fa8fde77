/**
 * A minimal pcap writer for handing our encodings to Wireshark's own MQTT-SN dissector: each
 * datagram becomes an IPv4/UDP packet 127.0.0.1 → 127.0.0.1 (LINKTYPE_RAW, no Ethernet).
 */
const LINKTYPE_RAW = 101;
const IPV4_HEADER = 20;
const UDP_HEADER = 8;

function ipv4Checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function udpPacket(payload: Buffer, srcPort: number, dstPort: number): Buffer {
  const packet = Buffer.alloc(IPV4_HEADER + UDP_HEADER + payload.length);
  packet[0] = 0x45; // IPv4, 5 × 32-bit header words
  packet.writeUInt16BE(packet.length, 2);
  packet[8] = 64; // TTL
  packet[9] = 17; // UDP
  packet.writeUInt32BE(0x7f000001, 12);
  packet.writeUInt32BE(0x7f000001, 16);
  packet.writeUInt16BE(ipv4Checksum(packet.subarray(0, IPV4_HEADER)), 10);
  packet.writeUInt16BE(srcPort, IPV4_HEADER);
  packet.writeUInt16BE(dstPort, IPV4_HEADER + 2);
  packet.writeUInt16BE(UDP_HEADER + payload.length, IPV4_HEADER + 4);
  // UDP checksum 0: "no checksum", allowed over IPv4.
  payload.copy(packet, IPV4_HEADER + UDP_HEADER);
  return packet;
}

/** A pcap file with one UDP datagram per payload, all to `dstPort`. */
export function pcapOfDatagrams(payloads: Buffer[], dstPort: number): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(0xffff, 16);
  header.writeUInt32LE(LINKTYPE_RAW, 20);
  const records = payloads.map((payload, i) => {
    const packet = udpPacket(payload, 40000, dstPort);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000 + i, 0);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    return Buffer.concat([record, packet]);
  });
  return Buffer.concat([header, ...records]);
}
