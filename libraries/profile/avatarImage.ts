import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../../lib/errors';

/** The accepted upload types, told apart by their leading bytes, never by Content-Type. */
export type AvatarFormat = 'png' | 'jpeg' | 'webp';

export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
/** What every avatar becomes: a WebP of this size, cropped to cover. */
export const AVATAR_SIZE = 256;
export const AVATAR_CONTENT_TYPE = 'image/webp';
/** Larger images are refused before decoding (a decompression bomb: a few kB that inflate to gigabytes). */
export const AVATAR_MAX_PIXELS = 4096 * 4096;

export interface ProcessedAvatar {
  content: Buffer;
  contentType: string;
  etag: string;
  width: number;
  height: number;
}

const unsupported = () =>
  new AppError(415, 'avatar.unsupported_type', 'The image must be a PNG, JPEG or WebP file (read from its content, not its Content-Type)');
const corrupt = (why: string) => new AppError(422, 'avatar.corrupt', `The image is not a well-formed file: ${why}`);

/** sharp's refusal of an image over `limitInputPixels`, as our error. */
const tooManyPixels = (err: unknown) => err instanceof Error && /pixel limit/i.test(err.message)
  ? new AppError(422, 'avatar.too_many_pixels', `The image is larger than ${AVATAR_MAX_PIXELS} pixels, or animated`)
  : undefined;

/** The format the bytes start with, or undefined. GIF, SVG, HTML, ZIP… are none of these. */
export function sniffFormat(bytes: Buffer): AvatarFormat | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/**
 * The file must end where its format says it ends: a truncated file, or one carrying a second payload
 * after its end (a polyglot: a PNG followed by a ZIP or HTML document), is refused rather than silently
 * cleaned, so the client learns its upload was not what it claimed.
 */
export function checkContainer(bytes: Buffer, format: AvatarFormat): void {
  if (format === 'png') {
    let at = 8;
    for (;;) {
      if (at + 12 > bytes.length) throw corrupt('the PNG is truncated');
      const length = bytes.readUInt32BE(at);
      const type = bytes.toString('latin1', at + 4, at + 8);
      const end = at + 12 + length;
      if (end > bytes.length) throw corrupt('the PNG is truncated');
      if (type === 'IEND') {
        if (end !== bytes.length) throw corrupt('data follows the end of the PNG');
        return;
      }
      at = end;
    }
  }
  if (format === 'jpeg') {
    if (bytes.length < 4 || bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) {
      throw corrupt('the JPEG is truncated, or data follows its end');
    }
    return;
  }
  const size = bytes.readUInt32LE(4);
  const expected = 8 + size + (size % 2);
  if (expected > bytes.length) throw corrupt('the WebP is truncated');
  if (expected !== bytes.length) throw corrupt('data follows the end of the WebP');
}

/**
 * Checks an upload and turns it into the stored avatar: the type from the bytes (our signature check,
 * then sharp's own header parse must agree), the container whole, at most AVATAR_MAX_PIXELS, then
 * decoded, auto-rotated, cropped to AVATAR_SIZE² and re-encoded as WebP. sharp writes no metadata unless
 * asked (`withMetadata`/`keepMetadata`), so EXIF (GPS included), XMP and ICC comments are dropped.
 */
export async function processAvatar(bytes: Buffer): Promise<ProcessedAvatar> {
  if (bytes.length > AVATAR_MAX_BYTES) throw new AppError(413, 'avatar.too_large', 'The image is over 2 MB');
  if (bytes.length === 0) throw new AppError(422, 'avatar.empty', 'The request body is empty');
  const format = sniffFormat(bytes);
  if (!format) throw unsupported();
  checkContainer(bytes, format);
  const options = { limitInputPixels: AVATAR_MAX_PIXELS, failOn: 'error' as const, sequentialRead: true };
  let meta: Metadata;
  try {
    meta = await sharp(bytes, options).metadata();
  } catch (err) {
    throw tooManyPixels(err) ?? corrupt('it cannot be read');
  }
  if (meta.format !== format) throw unsupported();
  if (!meta.width || !meta.height) throw corrupt('it has no size');
  if (meta.width * meta.height > AVATAR_MAX_PIXELS || (meta.pages ?? 1) > 1) {
    throw tooManyPixels(new Error('pixel limit'))!;
  }
  let content: Buffer;
  try {
    content = await sharp(bytes, options)
      .rotate()
      .resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover' })
      .webp({ quality: 82 })
      .toBuffer();
  } catch (err) {
    throw tooManyPixels(err) ?? corrupt('it cannot be decoded');
  }
  const etag = createHash('sha256').update(content).digest('hex').slice(0, 32);
  return { content, contentType: AVATAR_CONTENT_TYPE, etag, width: AVATAR_SIZE, height: AVATAR_SIZE };
}
