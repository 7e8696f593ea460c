// Runs the external programs `npm run images` drives (engines, debootstrap, tar, npm), failing with the
// command line and the tail of its error output.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Passes the program's output through to ours (long builds show their progress). */
  echo?: boolean;
  stdin?: Readable;
  /** Receives stdout as a stream instead of collecting it (docker/podman export). */
  stdout?: NodeJS.WritableStream;
}

export async function runCommand(argv: string[], options: RunOptions = {}): Promise<string> {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error('empty command line');
  const child = spawn(program, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const { stdin, stdout, stderr } = child as typeof child & { stdout: Readable; stderr: Readable };
  if (options.stdin && stdin) options.stdin.pipe(stdin);
  const out: Buffer[] = [];
  let errTail = '';
  if (options.stdout) stdout.pipe(options.stdout);
  else stdout.on('data', (chunk: Buffer) => {
    out.push(chunk);
    if (options.echo) process.stdout.write(chunk);
  });
  stderr.on('data', (chunk: Buffer) => {
    errTail = (errTail + chunk.toString()).slice(-4000);
    if (options.echo) process.stderr.write(chunk);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(`${program} is not installed (not found on the PATH)`) : error));
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`${argv.join(' ')} exited with ${code}${errTail && !options.echo ? `:\n${errTail.trimEnd()}` : ''}`);
  }
  return Buffer.concat(out).toString('utf8');
}

/** Whether the program runs and exits 0 (an engine probe); never throws. */
export async function succeeds(argv: string[]): Promise<boolean> {
  try {
    await runCommand(argv);
    return true;
  } catch {
    return false;
  }
}
