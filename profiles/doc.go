// Package profiles embeds devstack's stack definition: the catalog of
// components (catalog/*.yaml, merged in file-name order), the profiles that
// overlay it (dev, prod, minimal) and the small local charts that no
// upstream chart provides (charts/).
package profiles
