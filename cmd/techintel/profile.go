package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// profiles are serve's -cpuprofile and -memprofile: a CPU profile of the
// time serve answers requests (from the moment it listens to the moment
// it stops, so the start-up check is not in it) and a heap profile taken
// at the stop. They exist to find what a search costs in the serving
// process, which a benchmark of the index package alone does not see.
type profiles struct {
	cpuPath, memPath string
	cpu              *os.File
}

// open creates the CPU profile's file, if asked for, before serve opens
// anything, so that a path that cannot be written fails the start (in
// the user's words), not the stop.
func (p *profiles) open() error {
	if p.cpuPath == "" {
		return nil
	}
	f, err := os.Create(p.cpuPath)
	if err != nil {
		return fmt.Errorf("-cpuprofile: %w", err)
	}
	p.cpu = f
	return nil
}

// startCPU starts the CPU profile (serve calls it once it listens).
func (p *profiles) startCPU() error {
	if p.cpu == nil {
		return nil
	}
	if err := pprof.StartCPUProfile(p.cpu); err != nil {
		return fmt.Errorf("-cpuprofile: %w", err)
	}
	return nil
}

// stop ends the CPU profile and writes the heap profile (after a
// collection, so that it shows what is live, and with every allocation
// since start for -sample_index=alloc_space).
func (p *profiles) stop() error {
	var errs []error
	if p.cpu != nil {
		pprof.StopCPUProfile()
		if err := p.cpu.Close(); err != nil {
			errs = append(errs, fmt.Errorf("-cpuprofile: %w", err))
		}
		p.cpu = nil
	}
	if p.memPath != "" {
		runtime.GC()
		f, err := os.Create(p.memPath)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("-memprofile: %w", err))...)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			errs = append(errs, fmt.Errorf("-memprofile: %w", err))
		}
		if err := f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("-memprofile: %w", err))
		}
	}
	return errors.Join(errs...)
}
