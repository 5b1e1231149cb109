// The camera and the QR decoder: the browser's BarcodeDetector where it exists, otherwise
// jsQR (vendored in /static/vendor/jsqr, served by the app and kept by the service worker),
// decoding video frames drawn on a canvas. No wasm, nothing from a CDN.
export const JSQR_URL = "/static/vendor/jsqr/1.4.0/jsQR.js";
const EVERY_MS = 250;
const MAX_SIDE = 960; // frames are scaled down to this: enough for the card's 11 mm code

let jsqr = null;
let detector;

// jsQR is a classic script (UMD): it defines window.jsQR once loaded.
export function loadJsQR() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  jsqr ||= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = JSQR_URL;
    script.onload = () => resolve(window.jsQR);
    script.onerror = () => {
      jsqr = null;
      reject(new Error("jsQR"));
    };
    document.head.append(script);
  });
  return jsqr;
}

function barcodeDetector() {
  if (detector !== undefined) return detector;
  detector = null;
  try {
    if ("BarcodeDetector" in window) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  } catch {
    detector = null; // the class exists but not for QR codes on this device
  }
  return detector;
}

// Which decoder this phone uses (shown on the screen, and for tests).
export const decoderName = () => (barcodeDetector() ? "BarcodeDetector" : "jsQR");

// The text of the first QR code on a canvas, or null.
export async function decodeCanvas(canvas) {
  const native = barcodeDetector();
  if (native) {
    try {
      const codes = await native.detect(canvas);
      if (codes.length) return codes[0].rawValue;
    } catch {
      /* fall back to jsQR below */
    }
  }
  const decode = await loadJsQR();
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const code = decode(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
  return code ? code.data : null;
}

// Draw an image, a video frame or a bitmap on a canvas (scaled down) and decode it.
export async function decodeImage(source, canvas = document.createElement("canvas")) {
  const width = source.videoWidth || source.naturalWidth || source.width;
  const height = source.videoHeight || source.naturalHeight || source.height;
  if (!width || !height) return null;
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  return decodeCanvas(canvas);
}

export const hasCamera = () => Boolean(navigator.mediaDevices?.getUserMedia);

// The rear camera into a <video>; answers the stream (stop it with stopCamera).
export async function startCamera(video) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    audio: false,
  });
  video.srcObject = stream;
  video.setAttribute("playsinline", "");
  video.muted = true;
  await video.play();
  return stream;
}

export function stopCamera(stream) {
  for (const track of stream?.getTracks() || []) track.stop();
}

// Decode frames until a code is read: onText(text) once; answers a function that stops.
export function scanVideo(video, onText) {
  let stopped = false;
  let timer = null;
  const canvas = document.createElement("canvas");
  const tick = async () => {
    if (stopped) return;
    let text = null;
    if (video.readyState >= 2) {
      try {
        text = await decodeImage(video, canvas);
      } catch {
        text = null;
      }
    }
    if (stopped) return;
    if (text) {
      stopped = true;
      onText(text);
      return;
    }
    timer = setTimeout(tick, EVERY_MS);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
