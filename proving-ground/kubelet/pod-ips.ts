/**
 * Hands out one loopback address per pod from the cluster's block
 * 127.<block>.0.0/16 (see address-block.ts), skipping addresses that end in
 * .0 or .255 and starting at .0.2. Freed addresses are reused, lowest first.
 */
export class PodIpAllocator {
  private readonly inUse = new Set<number>();
  private readonly first: number;
  private readonly last: number;

  constructor(block: number) {
    if (!Number.isInteger(block) || block < 1 || block > 254) throw new Error(`address block must be 1..254, not ${block}`);
    this.first = ipToNumber(`127.${block}.0.2`);
    this.last = ipToNumber(`127.${block}.255.254`);
  }

  allocate(): string {
    for (let candidate = this.first; candidate <= this.last; candidate++) {
      const lastOctet = candidate & 0xff;
      if (lastOctet === 0 || lastOctet === 255) continue;
      if (!this.inUse.has(candidate)) {
        this.inUse.add(candidate);
        return numberToIp(candidate);
      }
    }
    throw new Error(`no free pod IP left in ${numberToIp(this.first)}-${numberToIp(this.last)}`);
  }

  release(ip: string): void {
    this.inUse.delete(ipToNumber(ip));
  }

  get size(): number {
    return this.inUse.size;
  }
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function numberToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
