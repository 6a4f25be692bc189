/**
 * QR codes in attached images, read at ingest while the bytes still exist. A quishing lure puts
 * its link in a picture, out of reach of every check that reads text and HTML; what the code says
 * becomes the attachment's text, so the URL rules judge it like any other link.
 *
 * Bounded: only PNG and JPEG up to `qrLimits.bytes` and `qrLimits.megapixels`, scaled down to
 * `qrLimits.side` pixels before the search. Never throws.
 */
import jpeg from 'jpeg-js';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

type JsQR = typeof jsQRModule.default;
// jsqr ships a CommonJS bundle whose module.exports is the function, typed as an ES default export.
const jsQR: JsQR = (jsQRModule as unknown as { default?: JsQR }).default ?? (jsQRModule as unknown as JsQR);

export const qrLimits = {
  bytes: 2 * 1024 * 1024,
  megapixels: 6,
  /** Longer side searched, in pixels: a code that fills a phone screen stays many pixels per module. */
  side: 480,
} as const;

interface Raster {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes per pixel. */
  readonly data: Uint8Array;
}

/** PNG width and height from the IHDR chunk, without decoding. */
function pngSize(bytes: Uint8Array): [number, number] | null {
  if (bytes.length < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

function decode(bytes: Uint8Array, type: string): Raster | null {
  if (type === 'image/png') {
    const size = pngSize(bytes);
    if (!size || size[0] * size[1] > qrLimits.megapixels * 1e6) return null;
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: png.data };
  }
  if (type === 'image/jpeg') {
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: qrLimits.megapixels,
      maxMemoryUsageInMB: 128,
    });
    return { width: img.width, height: img.height, data: img.data };
  }
  return null;
}

/** Nearest-neighbour scaling so that the longer side is at most `side` pixels. */
function fit(image: Raster, side: number): Raster {
  const scale = Math.max(image.width, image.height) / side;
  if (scale <= 1) return image;
  const width = Math.max(1, Math.floor(image.width / scale));
  const height = Math.max(1, Math.floor(image.height / scale));
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = Math.min(image.height - 1, Math.floor(y * scale)) * image.width;
    for (let x = 0; x < width; x++) {
      const from = (row + Math.min(image.width - 1, Math.floor(x * scale))) * 4;
      data.set(image.data.subarray(from, from + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/** The text of a QR code in a PNG or JPEG image, or null when there is none (or it cannot be read). */
export function readQrCode(bytes: Uint8Array, type: string): string | null {
  if (bytes.length === 0 || bytes.length > qrLimits.bytes) return null;
  try {
    const image = decode(bytes, type);
    if (!image || image.width < 21 || image.height < 21) return null;
    const small = fit(image, qrLimits.side);
    const pixels = new Uint8ClampedArray(small.data.buffer, small.data.byteOffset, small.data.byteLength);
    const code = jsQR(pixels, small.width, small.height, { inversionAttempts: 'dontInvert' });
    return code?.data ? code.data.slice(0, 2048) : null;
  } catch {
    return null;
  }
}
