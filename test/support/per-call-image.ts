/** Test plugin module: see per-call-media.ts. */
import { perImageDiffusion } from "./per-call-media.ts";

export default perImageDiffusion;
