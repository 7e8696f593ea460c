/**
 * The proving ground's stand-in for a mount namespace (ADR 0001): every
 * volumeMount's mountPath maps to a host directory, and args and env values
 * that refer to a path under a mountPath are rewritten to the host path.
 */
export interface MountMapping {
  mountPath: string;
  hostPath: string;
}

export class MountTable {
  // Longest mount path first, so /data/models wins over /data.
  private readonly mappings: MountMapping[];
  private readonly sharedHostPaths: string[];

  /**
   * `sharedHostPaths` are host directories every pod sees at their own path, like hostPath volumes: the
   * repository (so fixtures can be served by file:// URIs) and the cluster's directory. A value under one is
   * already a host path and is never rewritten, even when it also lies under a mountPath such as /tmp.
   */
  constructor(mappings: MountMapping[], sharedHostPaths: string[] = []) {
    this.sharedHostPaths = sharedHostPaths.map(trimSlash);
    this.mappings = mappings
      .map((mapping) => ({ mountPath: trimSlash(mapping.mountPath), hostPath: trimSlash(mapping.hostPath) }))
      .sort((a, b) => b.mountPath.length - a.mountPath.length);
  }

  /** The host path for a container path, or undefined when no mount covers it. */
  toHostPath(containerPath: string): string | undefined {
    if (this.sharedHostPaths.some((shared) => containerPath === shared || containerPath.startsWith(`${shared}/`))) return undefined;
    for (const { mountPath, hostPath } of this.mappings) {
      if (containerPath === mountPath) return hostPath;
      if (containerPath.startsWith(`${mountPath}/`)) return hostPath + containerPath.slice(mountPath.length);
    }
    return undefined;
  }

  /**
   * Rewrites a value that is a path under a mount ("/models/m.onnx"), a
   * file:// URI of one ("file:///models/m.onnx"), or a flag carrying either
   * ("--model=/models/m.onnx"). Anything else is left alone.
   */
  rewrite(value: string): string {
    const flag = /^(--?[\w.-]+=)(.*)$/s.exec(value);
    if (flag) {
      const inner = this.rewritePathOrFileUri(flag[2]!);
      return inner === undefined ? value : flag[1] + inner;
    }
    return this.rewritePathOrFileUri(value) ?? value;
  }

  private rewritePathOrFileUri(value: string): string | undefined {
    if (value.startsWith('file:///')) {
      const host = this.toHostPath(value.slice('file://'.length));
      return host === undefined ? undefined : `file://${host}`;
    }
    return value.startsWith('/') ? this.toHostPath(value) : undefined;
  }
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
