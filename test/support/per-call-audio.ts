/** Test plugin module: see per-call-media.ts. */
import { chunkedWhisper } from "./per-call-media.ts";

export default chunkedWhisper;
