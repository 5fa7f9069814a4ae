// pulumi-language-nodejs: the Node.js language host that the Pulumi engine
// starts for `runtime: nodejs` projects.
//
// The upstream host lives in a Go module that the module proxy reachable from
// our machines refuses to serve, so pulumi-lvs builds this one. It speaks the
// LanguageRuntime gRPC protocol of the pinned SDK and runs programs the way the
// Node.js SDK expects: `node <@pulumi/pulumi>/cmd/run [flags] <entry> [args]`,
// with the stack configuration in PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS,
// and reports the resource plugins the program's npm packages need.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

// exitCodeLoggedError is the exit code of @pulumi/pulumi/cmd/run when the
// program failed and the error was already shown to the user.
const exitCodeLoggedError = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	mu         sync.Mutex
	engineAddr string
}

func main() {
	engine, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs:", err)
		os.Exit(2)
	}
	h := &host{engineAddr: engine}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: could not serve:", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs:", err)
		os.Exit(1)
	}
}

// parseArgs accepts the engine's plugin arguments: optional --logtostderr,
// -v=N, --tracing URL, -root=DIR, then the engine's address.
func parseArgs(args []string) (string, error) {
	engine := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--tracing" || a == "-tracing":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			engine = a
		}
	}
	if engine == "" {
		return "", errors.New("usage: pulumi-language-nodejs [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS")
	}
	return engine, nil
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddr = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// packageJSON is the part of a package.json this host reads.
type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *pluginJSON       `json:"pulumi"`
}

// pluginJSON says which plugin a Node.js package needs: the package's
// pulumi-plugin.json, or else the "pulumi" key of its package.json (both
// written by Pulumi's SDK generator; same fields as the SDK's PulumiPluginJSON).
type pluginJSON struct {
	Resource                  bool                  `json:"resource"`
	Name                      string                `json:"name"`
	Version                   string                `json:"version"`
	Server                    string                `json:"server"`
	Parameterization          *parameterizationJSON `json:"parameterization"`
	ExtensionParameterization *parameterizationJSON `json:"extensionParameterization"`
}

type parameterizationJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Value   []byte `json:"value"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// findUp returns the first existing dir/name walking up from dir.
func findUp(dir, name string) (string, bool) {
	for {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// resolvePackage finds the directory of package `name` as Node.js would
// require it from `dir`: dir/node_modules/name, then each parent's.
func resolvePackage(dir, name string) (string, bool) {
	p, ok := findUp(dir, filepath.Join("node_modules", name, "package.json"))
	if !ok {
		return "", false
	}
	return filepath.Dir(p), true
}

// pluginOf reads the plugin a package needs, if any.
func pluginOf(pkgDir string, pkg *packageJSON) (*pluginJSON, error) {
	data, err := os.ReadFile(filepath.Join(pkgDir, "pulumi-plugin.json"))
	switch {
	case err == nil:
		var p pluginJSON
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(pkgDir, "pulumi-plugin.json"), err)
		}
		return &p, nil
	case errors.Is(err, os.ErrNotExist):
		return pkg.Pulumi, nil
	default:
		return nil, err
	}
}

// requiredPackages lists the resource plugins needed by the Node.js packages
// the program depends on: the "dependencies" of the package.json above
// programDir and, transitively, theirs, each resolved the way Node.js resolves
// it. A package that is declared but not installed is skipped (`npm ci` has
// not run yet; the program itself would fail to load it).
func requiredPackages(programDir string) ([]*pulumirpc.PackageDependency, error) {
	rootPath, ok := findUp(programDir, "package.json")
	if !ok {
		return nil, nil
	}
	root, err := readPackageJSON(rootPath)
	if err != nil {
		return nil, err
	}
	type edge struct{ from, name string }
	var queue []edge
	for _, name := range sortedKeys(root.Dependencies) {
		queue = append(queue, edge{filepath.Dir(rootPath), name})
	}
	visited := map[string]bool{}
	seen := map[string]bool{}
	var out []*pulumirpc.PackageDependency
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		dir, ok := resolvePackage(e.from, e.name)
		if !ok || visited[dir] {
			continue
		}
		visited[dir] = true
		pkg, err := readPackageJSON(filepath.Join(dir, "package.json"))
		if err != nil {
			return nil, err
		}
		for _, name := range sortedKeys(pkg.Dependencies) {
			queue = append(queue, edge{dir, name})
		}
		plugin, err := pluginOf(dir, pkg)
		if err != nil {
			return nil, err
		}
		if plugin == nil || !plugin.Resource {
			continue
		}
		dep := &pulumirpc.PackageDependency{Kind: "resource", Name: plugin.Name, Version: plugin.Version, Server: plugin.Server}
		if dep.Name == "" {
			dep.Name = strings.TrimPrefix(e.name, "@pulumi/")
		}
		if dep.Version == "" {
			dep.Version = pkg.Version
		}
		if dep.Version != "" && !strings.HasPrefix(dep.Version, "v") {
			dep.Version = "v" + dep.Version
		}
		if p := plugin.Parameterization; p != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
		}
		if p := plugin.ExtensionParameterization; p != nil {
			dep.Extension = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
		}
		key := dep.Name + "@" + dep.Version
		if dep.Parameterization != nil {
			key += "/" + dep.Parameterization.Name + "@" + dep.Parameterization.Version
		}
		if dep.Extension != nil {
			key += "+" + dep.Extension.Name + "@" + dep.Extension.Version
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, dep)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

// GetRequiredPackages reports the resource plugins the program needs (see
// requiredPackages), so that the engine, `pulumi plugin ls --project` and
// `pulumi about` know them.
func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := requiredPackages(req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// GetRequiredPlugins is the older form of GetRequiredPackages (engines before
// parameterized packages); parameterized packages are left out of it.
func (h *host) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	pkgs, err := requiredPackages(dir)
	if err != nil {
		return nil, err
	}
	var out []*pulumirpc.PluginDependency
	for _, p := range pkgs {
		if p.Parameterization != nil || p.Extension != nil {
			continue
		}
		out = append(out, &pulumirpc.PluginDependency{Kind: p.Kind, Name: p.Name, Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: out}, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// resolveRunScript finds @pulumi/pulumi/cmd/run as the program would require it.
func resolveRunScript(dir string) (string, error) {
	cmd := exec.Command("node", "-e", "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run', {paths: [process.argv[1]]}))", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot find @pulumi/pulumi from %s (run `npm ci`): %v: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	runScript, err := resolveRunScript(programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	h.mu.Lock()
	engine := h.engineAddr
	h.mu.Unlock()

	args := []string{runScript, "--monitor=" + req.GetMonitorAddress(), "--engine=" + engine,
		"--project=" + req.GetProject(), "--stack=" + req.GetStack(), "--pwd=" + programDir}
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	if info.GetRootDirectory() != "" {
		args = append(args, "--root-directory="+info.GetRootDirectory())
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel="+strconv.Itoa(int(req.GetParallel())))
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	env, err := programEnv(req)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = programDir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeLoggedError {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// programEnv passes config and the project's runtime options the way the
// Node.js SDK reads them.
func programEnv(req *pulumirpc.RunRequest) ([]string, error) {
	// A stack without configuration sends no map; the SDK needs "{}", not "null".
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secrets))
	opts := req.GetInfo().GetOptions().AsMap()
	typescript := true
	if v, ok := opts["typescript"].(bool); ok {
		typescript = v
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(typescript))
	if v, ok := opts["tsconfig"].(string); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}
	return env, nil
}

func nodeVersion() (string, string) {
	path, err := exec.LookPath("node")
	if err != nil {
		return "", ""
	}
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return path, ""
	}
	return path, strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	path, v := nodeVersion()
	return &pulumirpc.AboutResponse{Executable: path, Version: v}, nil
}

func (h *host) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	pkgPath, ok := findUp(req.GetInfo().GetProgramDirectory(), "package.json")
	if !ok {
		return &pulumirpc.GetProgramDependenciesResponse{}, nil
	}
	pkg, err := readPackageJSON(pkgPath)
	if err != nil {
		return nil, err
	}
	nodeModules := filepath.Join(filepath.Dir(pkgPath), "node_modules")
	all := map[string]string{}
	for k, v := range pkg.Dependencies {
		all[k] = v
	}
	if req.GetTransitiveDependencies() {
		for k, v := range pkg.DevDependencies {
			all[k] = v
		}
	}
	var deps []*pulumirpc.DependencyInfo
	for _, name := range sortedKeys(all) {
		v := all[name]
		if dep, err := readPackageJSON(filepath.Join(nodeModules, name, "package.json")); err == nil {
			v = dep.Version
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: v})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// InstallDependencies runs `npm ci` (or `npm install` without a lockfile) in
// the program's project and streams its output.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	pkgPath, ok := findUp(dir, "package.json")
	if !ok {
		return nil
	}
	root := filepath.Dir(pkgPath)
	verb := "install"
	if _, err := os.Stat(filepath.Join(root, "package-lock.json")); err == nil {
		verb = "ci"
	}
	cmd := exec.Command("npm", verb)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if sendErr := stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: out}); sendErr != nil {
		return sendErr
	}
	if err != nil {
		return fmt.Errorf("npm %s in %s failed: %w", verb, root, err)
	}
	return nil
}
