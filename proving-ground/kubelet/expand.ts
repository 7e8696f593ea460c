/**
 * Kubernetes' $(VAR) expansion, as in container args and env values:
 * `$(NAME)` becomes the variable's value when it is defined and stays as
 * written when not; `$$` is an escaped `$`, so `$$(NAME)` yields `$(NAME)`.
 */
export function expandVariables(input: string, lookup: (name: string) => string | undefined): string {
  let output = '';
  for (let i = 0; i < input.length; i++) {
    const char = input[i];
    if (char !== '$' || i + 1 >= input.length) {
      output += char;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      output += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // An unclosed reference is kept as written.
        output += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const value = lookup(name);
      output += value ?? `$(${name})`;
      i = close;
    } else {
      output += char;
    }
  }
  return output;
}
