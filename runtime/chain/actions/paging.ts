/**
 * The registry's page limits (its MAX_PAGE and MAX_SCAN clamps: asking for more returns no more)
 * and a ceiling on pages per listing, so a misbehaving node cannot keep a loop going forever.
 * Every registry view is paged on chain with a documented worst-case gas (contracts/README.md), so
 * 20,000 junk registrations make more calls, never one call over a node's gas cap.
 */
export const PROVIDER_PAGE = 200n;
export const ID_WINDOW = 2_000n;
export const MAX_PAGES = 1_000;
