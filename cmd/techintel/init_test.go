package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitFromFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf", "techintel.toml")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"init", "-o", path, "-own", `Acme "Networks"`,
		"-partners", "Intel, Red Hat", "-competitors", "Ericsson,,Huawei ", "-customers", "Telefónica",
		"-technologies", "Open RAN, 6G"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cfg.Watch {
		got = append(got, w.Role+":"+w.Name)
	}
	want := `own:Acme "Networks",partner:Intel,partner:Red Hat,competitor:Ericsson,competitor:Huawei,customer:Telefónica,standards:3GPP,standards:ETSI,standards:IETF`
	if strings.Join(got, ",") != want {
		t.Errorf("watch list\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	if len(cfg.Technologies) != 2 || cfg.Technologies[1].Name != "6G" || len(cfg.Sources) != 1 {
		t.Errorf("technologies %+v, sources %+v", cfg.Technologies, cfg.Sources)
	}
	if !strings.Contains(stdout.String(), "-demo-world") {
		t.Errorf("init does not say what to do next:\n%s", stdout.String())
	}

	// A second init does not overwrite the file, and says how to.
	before, _ := os.ReadFile(path)
	stderr.Reset()
	if code := run(context.Background(), []string{"init", "-o", path, "-own", "Other"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("init over an existing file: exit %d", code)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) || !strings.Contains(stderr.String(), "-force") {
		t.Errorf("the file changed, or the error does not name -force: %s", stderr.String())
	}
}

func TestInitAsks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "techintel.toml")
	var stdout, stderr bytes.Buffer
	answers := strings.NewReader("Acme\n\nEricsson, Huawei\n\nOpen RAN\n")
	err := cmdInit(context.Background(), []string{"-ask", "-o", path}, answers, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"Your own firm: ", "Partners: ", "Competitors: ", "Customers: ", "Technologies: "} {
		if !strings.Contains(stdout.String(), q) {
			t.Errorf("init did not ask %q:\n%s", q, stdout.String())
		}
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Watch) != 6 || cfg.Watch[0].Name != "Acme" || cfg.Watch[2].Name != "Huawei" || cfg.Technologies[0].Name != "Open RAN" {
		t.Errorf("config from answers: %+v %+v", cfg.Watch, cfg.Technologies)
	}
}

func TestInitRefusesWhatWouldNotValidate(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no own firm", []string{}, "-own: required"},
		{"own firm also a competitor", []string{"-own", "Acme", "-competitors", "acme"}, `duplicate watch entry "acme"`},
		{"stray argument", []string{"-own", "Acme", "extra"}, "init takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".toml")
			var stdout, stderr bytes.Buffer
			err := cmdInit(context.Background(), append([]string{"-o", path}, tt.args...), strings.NewReader(""), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("a config was written")
			}
		})
	}
}
