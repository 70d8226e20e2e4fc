package loadtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Step is one stage of a load profile, as in k6's ramping-arrival-rate
// executor: the rate moves linearly from where the previous step ended
// (Plan.Rate for the first) to Target over Duration. A step whose Target
// equals the rate it starts at holds that rate; a step of zero Duration
// jumps to its Target.
type Step struct {
	Duration time.Duration `json:"durationNs"`
	Target   float64       `json:"target"`
}

// ParseSteps reads a profile such as "30s:100,2m:100,30s:400": each
// comma-separated item is DURATION:TARGET (requests per second, fractions
// allowed).
func ParseSteps(s string) ([]Step, error) {
	var out []Step
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		d, r, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("stage %q: want DURATION:RATE, e.g. 30s:100", item)
		}
		dur, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil || dur < 0 {
			return nil, fmt.Errorf("stage %q: %q is not a duration of zero or more", item, d)
		}
		rate, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil || rate < 0 || math.IsInf(rate, 0) || math.IsNaN(rate) {
			return nil, fmt.Errorf("stage %q: %q is not a rate of zero or more", item, r)
		}
		out = append(out, Step{Duration: dur, Target: rate})
	}
	return out, nil
}

// profile is a piecewise linear rate over time and the pacer that sends
// by it: request n (from 0) is due when the integral of the rate reaches
// n, so fractional rates are kept exactly (0.5 req/s is one request every
// two seconds).
type profile struct {
	segs []segment
}

type segment struct {
	start    time.Duration // offset of the segment in the profile
	dur      time.Duration
	from, to float64 // requests per second
	hits     float64 // requests due before the segment
}

func newProfile(start float64, steps []Step) profile {
	var p profile
	var at time.Duration
	var hits float64
	rate := start
	for _, s := range steps {
		if s.Duration > 0 {
			seg := segment{start: at, dur: s.Duration, from: rate, to: s.Target, hits: hits}
			p.segs = append(p.segs, seg)
			hits += (rate + s.Target) / 2 * s.Duration.Seconds()
			at += s.Duration
		}
		rate = s.Target
	}
	return p
}

func constantProfile(rate float64, d time.Duration) profile {
	return newProfile(rate, []Step{{Duration: d, Target: rate}})
}

// total is the length of the profile.
func (p profile) total() time.Duration {
	if len(p.segs) == 0 {
		return 0
	}
	last := p.segs[len(p.segs)-1]
	return last.start + last.dur
}

func (p profile) segmentAt(t time.Duration) (segment, bool) {
	for _, s := range p.segs {
		if t < s.start+s.dur {
			return s, true
		}
	}
	return segment{}, false
}

// rateAt is the requested rate at offset t.
func (p profile) rateAt(t time.Duration) float64 {
	s, ok := p.segmentAt(max(t, 0))
	if !ok {
		return 0
	}
	x := (t - s.start).Seconds()
	return s.from + (s.to-s.from)*x/s.dur.Seconds()
}

// due is the number of requests due from the start to offset t (the
// integral of the rate).
func (p profile) due(t time.Duration) float64 {
	if t <= 0 || len(p.segs) == 0 {
		return 0
	}
	s, ok := p.segmentAt(t)
	if !ok {
		last := p.segs[len(p.segs)-1]
		return last.hits + (last.from+last.to)/2*last.dur.Seconds()
	}
	x := (t - s.start).Seconds()
	return s.hits + s.from*x + (s.to-s.from)/(2*s.dur.Seconds())*x*x
}

// planned is the number of requests the profile sends in full.
func (p profile) planned() uint64 {
	return uint64(math.Ceil(p.due(p.total()) - 1e-9))
}

// dueAt is when request n (from 0) is due; false when it is not due
// within the profile.
func (p profile) dueAt(n float64) (time.Duration, bool) {
	for _, s := range p.segs {
		end := s.hits + (s.from+s.to)/2*s.dur.Seconds()
		if n >= end {
			continue
		}
		x := n - s.hits
		// Solve from·t + c·t² = x for the smallest t ≥ 0, in the form
		// that stays exact when c is zero or negative.
		c := (s.to - s.from) / (2 * s.dur.Seconds())
		den := s.from + math.Sqrt(max(0, s.from*s.from+4*c*x))
		t := 0.0
		if den > 0 {
			t = 2 * x / den
		}
		return s.start + time.Duration(t*float64(time.Second)), true
	}
	return 0, false
}

// Pace implements vegeta.Pacer.
func (p profile) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if elapsed >= p.total() {
		return 0, true
	}
	next, ok := p.dueAt(float64(hits))
	if !ok || next >= p.total() {
		return 0, true
	}
	if next <= elapsed {
		return 0, false
	}
	return next - elapsed, false
}

// Rate implements vegeta.Pacer.
func (p profile) Rate(elapsed time.Duration) float64 { return p.rateAt(elapsed) }
