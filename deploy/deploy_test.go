package deploy

import (
	"encoding/json"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vidrop/vidrop/internal/buildtest"
	"github.com/vidrop/vidrop/internal/config"
	"github.com/vidrop/vidrop/internal/healthcheck"
	"github.com/vidrop/vidrop/internal/seaweedtest"
)

// The repository root, seen from this package's directory.
const root = ".."

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	Environment map[string]string `yaml:"environment"`
	Healthcheck struct {
		Test    []string `yaml:"test"`
		Timeout string   `yaml:"timeout"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
}

type keyValue struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	ValueFrom string `json:"valueFrom"`
}

type taskDefinition struct {
	RequiresCompatibilities []string `json:"requiresCompatibilities"`
	NetworkMode             string   `json:"networkMode"`
	TaskRoleArn             string   `json:"taskRoleArn"`
	ExecutionRoleArn        string   `json:"executionRoleArn"`
	ContainerDefinitions    []struct {
		PortMappings []struct {
			ContainerPort int `json:"containerPort"`
		} `json:"portMappings"`
		Environment      []keyValue `json:"environment"`
		Secrets          []keyValue `json:"secrets"`
		LogConfiguration struct {
			LogDriver string            `json:"logDriver"`
			Options   map[string]string `json:"options"`
		} `json:"logConfiguration"`
		HealthCheck struct {
			Command []string `json:"command"`
			Timeout int      `json:"timeout"`
		} `json:"healthCheck"`
		StopTimeout int `json:"stopTimeout"`
	} `json:"containerDefinitions"`
}

type policy struct {
	Version   string
	Statement []statement
}

type statement struct {
	Sid         string
	Effect      string
	Principal   any
	Action      stringList
	NotAction   any
	Resource    stringList
	NotResource any
	Condition   any
}

// stringList is an IAM field that is either a string or a list of them.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(s))
}

func mustReadJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

func mustCompose(tb testing.TB) (composeFile, composeService, composeService) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		tb.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		tb.Fatalf("docker-compose.yml (environment must be a map): %v", err)
	}
	vidrop, ok := c.Services["vidrop"]
	if !ok || vidrop.Build == nil {
		tb.Fatal("docker-compose.yml: want a vidrop service built from the Dockerfile")
	}
	s3, ok := c.Services["s3"]
	if !ok {
		tb.Fatal("docker-compose.yml: want an s3 service")
	}
	return c, vidrop, s3
}

func mustTaskDefinition(tb testing.TB) taskDefinition {
	tb.Helper()
	var td taskDefinition
	mustReadJSON(tb, "deploy/ecs/task-definition.json", &td)
	if len(td.ContainerDefinitions) != 1 {
		tb.Fatalf("task-definition.json: want one container, got %d", len(td.ContainerDefinitions))
	}
	return td
}

// mustTaskConfig returns the task definition and vidrop's configuration as
// it sets it.
func mustTaskConfig(tb testing.TB) (taskDefinition, config.Config) {
	tb.Helper()
	td := mustTaskDefinition(tb)
	env, _ := taskEnv(td)
	cfg, err := config.Load(env)
	if err != nil {
		tb.Fatal(err)
	}
	return td, cfg
}

// taskEnv returns the container's environment as KEY=VALUE, and its
// secrets' names.
func taskEnv(td taskDefinition) (env []string, secrets []string) {
	c := td.ContainerDefinitions[0]
	for _, kv := range c.Environment {
		env = append(env, kv.Name+"="+kv.Value)
	}
	for _, s := range c.Secrets {
		secrets = append(secrets, s.Name)
	}
	return env, secrets
}

func mapEnv(m map[string]string) []string {
	var env []string
	for k, v := range m {
		env = append(env, k+"="+v)
	}
	slices.Sort(env)
	return env
}

func envNames(env []string) []string {
	var names []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		names = append(names, k)
	}
	return names
}

// TestVariablesExist fails when a deployment file sets a variable vidrop
// does not read, or a value it refuses.
func TestVariablesExist(t *testing.T) {
	t.Parallel()
	known := config.Names()
	// The SDK's key variables: allowed in compose (demo keys of the local
	// S3 server), never in the task definition (the task role provides
	// credentials).
	awsKeyVars := []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
	_, vidrop, _ := mustCompose(t)
	td := mustTaskDefinition(t)
	tdEnv, tdSecrets := taskEnv(td)

	// compose's environment is a map: yaml.v3 already rejects a name set
	// twice.
	for _, n := range slices.Sorted(maps.Keys(vidrop.Environment)) {
		if !slices.Contains(known, n) && !strings.HasPrefix(n, "AWS_") {
			t.Errorf("docker-compose.yml sets %s, which vidrop does not read (config.Names: %v)", n, known)
		}
	}
	if _, err := config.Load(mapEnv(vidrop.Environment)); err != nil {
		t.Errorf("docker-compose.yml: vidrop would refuse to start: %v", err)
	}

	seen := map[string]bool{}
	for _, n := range append(envNames(tdEnv), tdSecrets...) {
		if seen[n] {
			t.Errorf("task-definition.json sets %s twice", n)
		}
		seen[n] = true
		switch {
		case slices.Contains(awsKeyVars, n):
			t.Errorf("task-definition.json sets %s: credentials come from the task role", n)
		case !slices.Contains(known, n) && !strings.HasPrefix(n, "AWS_"):
			t.Errorf("task-definition.json sets %s, which vidrop does not read (config.Names: %v)", n, known)
		}
	}
	if _, err := config.Load(tdEnv); err != nil {
		t.Errorf("deploy/ecs/task-definition.json: vidrop would refuse to start: %v", err)
	}
}

// TestHealthChecks runs every health-check command the deployment files
// name against the binary built as the Dockerfile builds it: each must
// pass against a running vidrop and fail once it has stopped, in time.
func TestHealthChecks(t *testing.T) {
	t.Parallel()
	d, err := buildtest.ParseDockerfile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Entrypoint) != 1 {
		t.Fatalf("Dockerfile ENTRYPOINT = %v, want the binary alone", d.Entrypoint)
	}
	_, vidrop, _ := mustCompose(t)
	td := mustTaskDefinition(t)

	type check struct {
		file    string
		argv    []string
		timeout time.Duration
	}
	var checks []check
	if m := regexp.MustCompile(`--timeout=(\S+)`).FindStringSubmatch(d.HealthCheckFlags); m != nil {
		checks = append(checks, check{"Dockerfile HEALTHCHECK", d.HealthCheck, mustDuration(t, m[1])})
	} else {
		t.Error("Dockerfile HEALTHCHECK: want --timeout")
	}
	for _, c := range []struct {
		file    string
		test    []string
		timeout time.Duration
	}{
		{"docker-compose.yml vidrop healthcheck", vidrop.Healthcheck.Test, mustDuration(t, vidrop.Healthcheck.Timeout)},
		{"task-definition.json healthCheck", td.ContainerDefinitions[0].HealthCheck.Command,
			time.Duration(td.ContainerDefinitions[0].HealthCheck.Timeout) * time.Second},
	} {
		if len(c.test) < 2 || c.test[0] != "CMD" {
			t.Errorf("%s = %q: want exec form [\"CMD\", …] (the image has no shell)", c.file, c.test)
			continue
		}
		checks = append(checks, check{c.file, c.test[1:], c.timeout})
	}

	bin := buildtest.Build(t, root, "healthcheck-test")
	srv := buildtest.Serve(t, bin)
	var valid []check
	for _, c := range checks {
		if len(c.argv) == 0 || c.argv[0] != d.Entrypoint[0] {
			t.Errorf("%s = %q: want the image's binary %s", c.file, c.argv, d.Entrypoint[0])
			continue
		}
		valid = append(valid, c)
		if c.timeout <= healthcheck.Timeout {
			t.Errorf("%s: timeout %s, want more than the check's own %s", c.file, c.timeout, healthcheck.Timeout)
		}
		if code := buildtest.Healthcheck(t, bin, srv.Addr, c.argv[1:]...); code != 0 {
			t.Errorf("%s: %q exits %d against a running vidrop, want 0", c.file, c.argv, code)
		}
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, c := range valid {
		if code := buildtest.Healthcheck(t, bin, srv.Addr, c.argv[1:]...); code == 0 {
			t.Errorf("%s: %q exits 0 with vidrop stopped", c.file, c.argv)
		}
	}
}

// commandFlags returns a command line's arguments after the first (the
// subcommand) as a map from "-name" to the value after "=".
func commandFlags(cmd []string) map[string]string {
	flags := map[string]string{}
	for _, a := range cmd[min(1, len(cmd)):] {
		k, v, _ := strings.Cut(a, "=")
		flags[k] = v
	}
	return flags
}

// hostPath returns the host side of the last of svc's volumes mounted at
// containerPath, or "" if none is.
func hostPath(svc composeService, containerPath string) string {
	var host string
	for _, v := range svc.Volumes {
		if parts := strings.Split(v, ":"); len(parts) >= 2 && parts[1] == containerPath {
			host = parts[0]
		}
	}
	return host
}

func mustDuration(tb testing.TB, s string) time.Duration {
	tb.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		tb.Errorf("duration %q: %v", s, err)
	}
	return d
}

// TestComposeWiring checks that the two compose services agree: the
// bucket, the keys, the origins, the ports and the image.
func TestComposeWiring(t *testing.T) {
	t.Parallel()
	c, vidrop, s3 := mustCompose(t)
	cfg, err := config.Load(mapEnv(vidrop.Environment))
	if err != nil {
		t.Fatal(err)
	}
	if len(s3.Command) == 0 || s3.Command[0] != "mini" {
		t.Fatalf("s3 command %v, want mini", s3.Command)
	}
	flags := commandFlags(s3.Command)

	if want := "chrislusf/seaweedfs:" + seaweedtest.Release; s3.Image != want {
		t.Errorf("s3 image %q, want %q (the release the tests run)", s3.Image, want)
	}
	if flags["-bucket"] != cfg.Bucket {
		t.Errorf("s3 -bucket=%q, vidrop S3_BUCKET=%q", flags["-bucket"], cfg.Bucket)
	}
	for _, o := range cfg.CORSAllowedOrigins {
		if !slices.Contains(strings.Split(flags["-s3.allowedOrigins"], ","), o) {
			t.Errorf("s3 -s3.allowedOrigins=%q lacks the recorder page's origin %s", flags["-s3.allowedOrigins"], o)
		}
	}
	if _, set := vidrop.Environment["UPLOAD_ACL"]; set {
		t.Error("compose sets UPLOAD_ACL: leave it unset so compose runs the default ACL")
	}
	if dep := vidrop.DependsOn["s3"]; dep.Condition != "service_healthy" {
		t.Errorf("vidrop depends_on s3 condition %q, want service_healthy", dep.Condition)
	}

	// The endpoints: the server's inside the network, the browser's on the
	// host, through a published port.
	server, err := url.Parse(cfg.Endpoint)
	if err != nil || server.Hostname() != "s3" || server.Port() != flags["-s3.port"] {
		t.Errorf("S3_ENDPOINT %q, want http://s3:%s", cfg.Endpoint, flags["-s3.port"])
	}
	public, err := url.Parse(cfg.PublicEndpoint)
	if err != nil || public.Hostname() != "localhost" || !slices.Contains(s3.Ports, public.Port()+":"+flags["-s3.port"]) {
		t.Errorf("S3_PUBLIC_ENDPOINT %q, want localhost on a port published to %s (ports %v)", cfg.PublicEndpoint, flags["-s3.port"], s3.Ports)
	}
	_, listenPort, _ := net.SplitHostPort(cfg.ListenAddr)
	if !slices.Contains(vidrop.Ports, listenPort+":"+listenPort) {
		t.Errorf("vidrop ports %v, want %s published", vidrop.Ports, listenPort)
	}
	for _, o := range cfg.CORSAllowedOrigins {
		if o != "http://localhost:"+listenPort {
			t.Errorf("CORS_ALLOWED_ORIGINS has %s, want the page at http://localhost:%s", o, listenPort)
		}
	}

	// The identities file the server reads holds vidrop's keys and the
	// anonymous reads for playback.
	idsFile := hostPath(s3, flags["-s3.config"])
	if idsFile == "" {
		t.Fatalf("s3 volumes %v mount nothing at -s3.config=%s", s3.Volumes, flags["-s3.config"])
	}
	var ids struct {
		Identities []struct {
			Name        string
			Credentials []struct{ AccessKey, SecretKey string }
			Actions     []string
		}
	}
	mustReadJSON(t, idsFile, &ids)
	var keysOK, anonOK bool
	for _, id := range ids.Identities {
		for _, cr := range id.Credentials {
			if cr.AccessKey == vidrop.Environment["AWS_ACCESS_KEY_ID"] && cr.SecretKey == vidrop.Environment["AWS_SECRET_ACCESS_KEY"] {
				keysOK = slices.Contains(id.Actions, "Write") || slices.Contains(id.Actions, "Admin")
				if !strings.Contains(strings.ToLower(cr.AccessKey+cr.SecretKey), "demo") {
					t.Errorf("compose keys %q must be named as demo keys", cr.AccessKey)
				}
			}
		}
		if id.Name == "anonymous" {
			anonOK = slices.Equal(id.Actions, []string{"Read:" + cfg.Bucket})
		}
	}
	if !keysOK {
		t.Errorf("%s has no identity with vidrop's AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY that may write", idsFile)
	}
	if !anonOK {
		t.Errorf("%s: want an anonymous identity with exactly Read:%s", idsFile, cfg.Bucket)
	}

	// The store's health check must prove the bucket exists, not just
	// that the server answers.
	hc := strings.Join(s3.Healthcheck.Test, " ")
	if !strings.Contains(hc, ":"+flags["-s3.port"]+"/"+cfg.Bucket) {
		t.Errorf("s3 healthcheck %q does not ask for bucket %s on the S3 port", hc, cfg.Bucket)
	}
	if _, ok := c.Volumes[strings.Split(s3.Volumes[len(s3.Volumes)-1], ":")[0]]; !ok {
		t.Errorf("s3 data volume is not a named volume: %v", s3.Volumes)
	}
}

// TestComposeConfig validates docker-compose.yml with Debian's
// docker-compose (1.29), the oldest engine users may have.
func TestComposeConfig(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Fatal("docker-compose not found: run `make test-deps` (apt-get install docker-compose)")
	}
	cmd := exec.Command(bin, "-f", "docker-compose.yml", "config", "-q")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, out)
	}
}

// TestAWSModels validates the task definition, the bucket CORS rules and
// the policies against AWS's own API models (botocore).
func TestAWSModels(t *testing.T) {
	t.Parallel()
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("%s not found: run `make test-deps` (apt-get install python3-botocore)", python)
	}
	out, err := exec.Command(python, "validate-aws-models.py", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("validate-aws-models.py: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// TestTaskDefinition checks what the code needs from ECS: Fargate, the
// port, logs, the roles, the secret and a stop timeout longer than the
// drain.
func TestTaskDefinition(t *testing.T) {
	t.Parallel()
	td, cfg := mustTaskConfig(t)
	c := td.ContainerDefinitions[0]
	_, secrets := taskEnv(td)
	if !slices.Contains(td.RequiresCompatibilities, "FARGATE") || td.NetworkMode != "awsvpc" {
		t.Errorf("want FARGATE and awsvpc, got %v %s", td.RequiresCompatibilities, td.NetworkMode)
	}
	_, port, _ := net.SplitHostPort(cfg.ListenAddr)
	if len(c.PortMappings) != 1 || strconv.Itoa(c.PortMappings[0].ContainerPort) != port {
		t.Errorf("portMappings %v, want the one LISTEN_ADDR port %s", c.PortMappings, port)
	}
	if cfg.Embedded() {
		t.Error("no S3_BUCKET: the task would run the embedded development store")
	}
	if cfg.Endpoint != "" || cfg.PathStyle {
		t.Error("task definition points at a non-AWS endpoint")
	}
	if !slices.Contains(secrets, "BASIC_AUTH_USERS") {
		t.Error("BASIC_AUTH_USERS should come from Secrets Manager (secrets)")
	}
	if want := int(cfg.ShutdownTimeout/time.Second) + 1; c.StopTimeout < want {
		t.Errorf("stopTimeout %d s, want more than SHUTDOWN_TIMEOUT %s", c.StopTimeout, cfg.ShutdownTimeout)
	}
	if cfg.LogFormat != "json" {
		t.Errorf("LOG_FORMAT %q, want json for CloudWatch", cfg.LogFormat)
	}
	lc := c.LogConfiguration
	if lc.LogDriver != "awslogs" || lc.Options["awslogs-group"] == "" || lc.Options["awslogs-stream-prefix"] == "" ||
		lc.Options["awslogs-region"] != cfg.Region {
		t.Errorf("logConfiguration %+v: want awslogs with group, stream prefix and region %s", lc, cfg.Region)
	}
	if !strings.HasPrefix(td.TaskRoleArn, "arn:aws:iam::") || !strings.HasPrefix(td.ExecutionRoleArn, "arn:aws:iam::") {
		t.Errorf("want a task role and an execution role, got %q and %q", td.TaskRoleArn, td.ExecutionRoleArn)
	}
}

// TestIAMPolicies holds the task role to least privilege: exact actions on
// the bucket and the key prefix, what /readyz needs, and s3:PutObjectAcl
// exactly when uploads carry an ACL.
func TestIAMPolicies(t *testing.T) {
	t.Parallel()
	td, cfg := mustTaskConfig(t)
	bucketARN := "arn:aws:s3:::" + cfg.Bucket
	keysARN := bucketARN + "/" + cfg.KeyPrefix + "*"

	var task policy
	mustReadJSON(t, "deploy/ecs/iam-task-policy.json", &task)
	grants := map[string][]string{} // action → resources
	for _, st := range task.Statement {
		if st.Effect != "Allow" || st.NotAction != nil || st.NotResource != nil || st.Principal != nil || st.Condition != nil {
			t.Errorf("statement %q: want a plain Allow of Action on Resource", st.Sid)
		}
		for _, a := range st.Action {
			if strings.ContainsAny(a, "*?") {
				t.Errorf("statement %q: action %q has a wildcard; name each action", st.Sid, a)
			}
			grants[a] = append(grants[a], st.Resource...)
		}
		for _, r := range st.Resource {
			if r != bucketARN && !strings.HasPrefix(r, bucketARN+"/") {
				t.Errorf("statement %q: resource %q is neither the bucket %s nor inside it", st.Sid, r, bucketARN)
			}
		}
	}
	want := map[string][]string{
		"s3:PutObject":  {keysARN},
		"s3:ListBucket": {bucketARN}, // HeadBucket, for /readyz
	}
	if cfg.UploadACL != "" {
		want["s3:PutObjectAcl"] = []string{keysARN}
	}
	for a, rs := range grants {
		if w, ok := want[a]; !ok {
			t.Errorf("task policy grants %s, which vidrop does not need (UPLOAD_ACL=%q)", a, cfg.UploadACL)
		} else if !slices.Equal(rs, w) {
			t.Errorf("task policy grants %s on %v, want %v", a, rs, w)
		}
	}
	for a, w := range want {
		if _, ok := grants[a]; !ok {
			t.Errorf("task policy lacks %s on %v (UPLOAD_ACL=%q)", a, w, cfg.UploadACL)
		}
	}
	if task.Version != "2012-10-17" {
		t.Errorf("task policy Version %q, want 2012-10-17", task.Version)
	}

	// The execution role reads exactly the secrets the task names.
	var execution policy
	mustReadJSON(t, "deploy/ecs/iam-execution-secrets-policy.json", &execution)
	var secretARNs, granted []string
	for _, s := range td.ContainerDefinitions[0].Secrets {
		secretARNs = append(secretARNs, s.ValueFrom)
	}
	for _, st := range execution.Statement {
		if !slices.Equal(st.Action, []string{"secretsmanager:GetSecretValue"}) || st.Effect != "Allow" {
			t.Errorf("execution policy statement %q: want Allow secretsmanager:GetSecretValue only", st.Sid)
		}
		granted = append(granted, st.Resource...)
	}
	slices.Sort(secretARNs)
	slices.Sort(granted)
	if !slices.Equal(secretARNs, granted) {
		t.Errorf("execution policy grants %v, task definition's secrets are %v", granted, secretARNs)
	}

	// Public playback without ACLs: reads of the uploaded keys only, by
	// anyone.
	var pub policy
	mustReadJSON(t, "deploy/ecs/bucket-policy-public-read.json", &pub)
	if len(pub.Statement) == 0 {
		t.Error("public-read bucket policy has no statement: uploads would not play back")
	}
	for _, st := range pub.Statement {
		if st.Effect != "Allow" || st.Principal != "*" {
			t.Errorf("public-read bucket policy statement %q: want Allow for Principal \"*\", got %s for %v", st.Sid, st.Effect, st.Principal)
		}
		if !slices.Equal(st.Action, []string{"s3:GetObject"}) || !slices.Equal(st.Resource, []string{keysARN}) {
			t.Errorf("public-read bucket policy statement %q: want s3:GetObject on %s only", st.Sid, keysARN)
		}
	}
}

// TestBucketCORS lets the same origins post to the bucket that may ask
// vidrop for a presigned POST.
func TestBucketCORS(t *testing.T) {
	t.Parallel()
	_, cfg := mustTaskConfig(t)
	var cors struct {
		CORSRules []struct {
			AllowedOrigins, AllowedMethods []string
		}
	}
	mustReadJSON(t, "deploy/ecs/bucket-cors.json", &cors)
	var origins []string
	for _, r := range cors.CORSRules {
		if slices.Contains(r.AllowedMethods, "POST") {
			origins = append(origins, r.AllowedOrigins...)
		}
	}
	slices.Sort(origins)
	want := slices.Sorted(slices.Values(cfg.CORSAllowedOrigins))
	if !slices.Equal(origins, want) {
		t.Errorf("bucket CORS lets %v POST; CORS_ALLOWED_ORIGINS is %v", origins, want)
	}
}

// TestREADMEDocumentsEveryVariable keeps the README's configuration table
// and config.Names in step.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, found := strings.Cut(string(b), "| variable | default | meaning |")
	lines := strings.Split(table, "\n")
	if !found || len(lines) < 2 {
		t.Fatal("README.md: no configuration table (header | variable | default | meaning |)")
	}
	var documented []string
	for _, line := range lines[2:] {
		if !strings.HasPrefix(line, "| `") {
			break
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
		documented = append(documented, name)
	}
	slices.Sort(documented)
	if want := config.Names(); !slices.Equal(documented, want) {
		t.Errorf("README configuration table documents %v,\nconfig.Names() is %v", documented, want)
	}
}
