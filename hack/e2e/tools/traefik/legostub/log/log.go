// Package log holds the library's logger.
package log

import "log/slog"

var logger = slog.Default()

// SetDefault replaces the logger.
func SetDefault(l *slog.Logger) { logger = l }
