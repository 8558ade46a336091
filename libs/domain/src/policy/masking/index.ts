export { DETECTOR_NAMES, type DetectorName } from './detectors.js';
export { validateMaskPath } from './path-pattern.js';
export { hmacTokenizer, MIN_MASK_KEY_BYTES, TOKEN_HEX_CHARS, type Tokenizer } from './tokenizer.js';
export {
  compileMaskSpec,
  maskIntent,
  MaskSpecError,
  type CompiledMask,
  type MaskedValue,
  type MaskResult,
  type MaskSpec,
} from './mask.js';
