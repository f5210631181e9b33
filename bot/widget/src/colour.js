// The clinic's colour (data-primary-color) made safe for WCAG AA in light and dark mode:
// text on it is black or white, whichever contrasts more, and links and outlines use a
// darker (light mode) or lighter (dark mode) shade of it when it would not read.

// Backgrounds the accent colour must read on (see widget.css: --bubble and --bg).
const LIGHT_BACKGROUND = '#f1f3f5';
const DARK_BACKGROUND = '#2c2f33';

export function normaliseHex(value) {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value || '');
  if (!match) {
    return null;
  }
  let hex = match[1];
  if (hex.length === 3) {
    hex = hex.split('').map((c) => c + c).join('');
  }
  return '#' + hex.toLowerCase();
}

function channels(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex(values) {
  return '#' + values.map((c) => {
    const s = Math.max(0, Math.min(255, Math.round(c))).toString(16);
    return s.length === 1 ? '0' + s : s;
  }).join('');
}

function luminance(hex) {
  const c = channels(hex).map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

export function contrast(a, b) {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function textOn(hex) {
  return contrast(hex, '#ffffff') >= contrast(hex, '#000000') ? '#ffffff' : '#000000';
}

// Step the colour towards black (light mode) or white (dark mode) until it reaches 4.6:1.
function readableOn(background, hex, towardsWhite) {
  let values = channels(hex);
  let colour = hex;
  for (let i = 0; i < 40 && contrast(colour, background) < 4.6; i++) {
    values = values.map((c) => (towardsWhite ? c + (255 - c) * 0.12 : c * 0.9));
    colour = toHex(values);
  }
  return colour;
}

// Custom properties for the clinic colour, prepended to the stylesheet at start.
export function themeCss(primary) {
  const light = readableOn(LIGHT_BACKGROUND, primary, false);
  const dark = readableOn(DARK_BACKGROUND, primary, true);
  return ':host{--p:' + primary + ';--on-p:' + textOn(primary) + ';' +
    '--accent-light:' + light + ';--on-accent-light:' + textOn(light) + ';' +
    '--accent-dark:' + dark + ';--on-accent-dark:' + textOn(dark) + ';}';
}
