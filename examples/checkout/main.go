package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap/zapcore"
)

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var extra zapcore.Core
	if !cfg.Quiet {
		extra = terminalCore(os.Stderr)
	}
	if err := run(ctx, cfg, os.Stdout, extra); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
