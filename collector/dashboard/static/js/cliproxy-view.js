// The CLIProxy section: shown only when that source is on. Filled in once its endpoints exist.

export async function showCliproxy() {
  document.getElementById('cliproxy').hidden = true;
}
