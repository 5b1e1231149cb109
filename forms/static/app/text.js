// Diacritic-insensitive folding, the same rule as app/text.py fold():
// lowercase, NFD without combining marks, đ -> d, single spaces.

const D = /[đĐ]/g;
const MARKS = /\p{Mn}/gu;

const strip = (s) => s.normalize("NFD").replace(MARKS, "");

export function fold(value) {
  let s = strip(String(value ?? "").toLowerCase().replace(D, "d"));
  s = strip(s.toLowerCase().replace(D, "d"));
  return s.split(/\s+/).filter(Boolean).join(" ");
}

// A matcher for a search box: every word of the query appears in the folded text.
export function matcher(query) {
  const words = fold(query).split(" ").filter(Boolean);
  return (folded) => words.every((w) => folded.includes(w));
}
