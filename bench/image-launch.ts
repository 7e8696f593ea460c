/**
 * How an image starts its program, read from its Dockerfile: the Node flags of the exec-form ENTRYPOINT
 * (["node", …flags, program]) and the ENV of the final stage. bench:operator runs the operator's bundle on
 * the host with both, so that what it measures (RSS above all: glibc's allocator reads MALLOC_* variables)
 * is what the image runs.
 */

export interface ImageLaunch {
  nodeFlags: string[];
  env: Record<string, string>;
}

export function imageLaunch(dockerfile: string): ImageLaunch {
  const lines = logicalLines(dockerfile);
  const lastFrom = lines.findLastIndex((line) => /^FROM\s/i.test(line));
  const finalStage = lines.slice(lastFrom + 1);
  return { nodeFlags: entrypointNodeFlags(finalStage), env: environment(finalStage) };
}

/** Instructions one per entry: comments dropped, backslash continuations joined. */
function logicalLines(dockerfile: string): string[] {
  const joined = dockerfile
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
}

function entrypointNodeFlags(stage: string[]): string[] {
  const line = stage.findLast((text) => /^ENTRYPOINT\s/i.test(text));
  const argv = line === undefined ? [] : (JSON.parse(line.replace(/^ENTRYPOINT\s+/i, '')) as string[]);
  if (argv[0] !== 'node' || argv.length < 2) throw new Error('the Dockerfile has no ENTRYPOINT ["node", …, program]');
  return argv.slice(1, -1);
}

/** `ENV NAME=value …` lines, unquoted values only (what our Dockerfiles use); anything else is refused. */
function environment(stage: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of stage.filter((text) => /^ENV\s/i.test(text))) {
    for (const pair of line.replace(/^ENV\s+/i, '').split(/\s+/)) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'$\s]*)$/.exec(pair);
      if (match === null) throw new Error(`cannot read '${pair}' in '${line}': use ENV NAME=value with an unquoted value`);
      env[match[1]!] = match[2]!;
    }
  }
  return env;
}
