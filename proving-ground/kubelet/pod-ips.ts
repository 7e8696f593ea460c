/**
 * Hands out one address per pod from the cluster's pod CIDR (network/addresses.ts), skipping addresses
 * that end in .0 or .255. Like CNI's host-local IPAM it goes round: each allocation starts after the last
 * one, so a freed address is reused only after the whole range, and a new pod never inherits the
 * neighbour (ARP) entries that still point at a deleted pod's interface.
 */
export class PodIpAllocator {
  private readonly inUse = new Set<number>();
  private readonly first: number;
  private readonly last: number;
  private next: number;

  /** `first` and `last` are the lowest and highest address pods may get. */
  constructor(first: string, last: string) {
    this.first = ipToNumber(first);
    this.last = ipToNumber(last);
    if (!(this.first <= this.last)) throw new Error(`pod address range ${first}-${last} is empty`);
    this.next = this.first;
  }

  allocate(): string {
    const size = this.last - this.first + 1;
    for (let step = 0; step < size; step++) {
      const candidate = this.first + ((this.next - this.first + step) % size);
      const lastOctet = candidate & 0xff;
      if (lastOctet === 0 || lastOctet === 255) continue;
      if (!this.inUse.has(candidate)) {
        this.inUse.add(candidate);
        this.next = candidate === this.last ? this.first : candidate + 1;
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
