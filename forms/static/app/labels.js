// Labels of the API's machine values (API.md): values never change, labels translate. They come
// from the server's one catalogue (app/labels.py), in the chosen language, with the app's
// strings (/app/i18n/<lang>.json, kept offline by the service worker): the same words as the
// web pages, the spreadsheets and the maps.
import { labelsOf } from "./i18n.js";

// Every value of a field with its label, in the catalogue's order: {value: label}.
export function labels(field) {
  return { ...labelsOf(field) };
}

export function label(field, value) {
  return labelsOf(field)[value ?? ""] ?? String(value ?? "");
}
