package engines

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Where the fixtures live, relative to this module.
const (
	argocdDir = "../argocd"
	liveDir   = "../live"
)

// verdict is one engine's answer: a status and its message.
type verdict struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// liveState is one ModelDeployment captured from the proving ground (gitops/live/capture.ts) and what each
// engine must say about it (gitops/live/expectations.yaml).
type liveState struct {
	Name      string  `json:"name"`
	InputPath string  `json:"inputPath"`
	ArgoCD    verdict `json:"argocd"`
	KStatus   verdict `json:"kstatus"`
}

// argoCase is one case of gitops/argocd/health_test.yaml, Argo CD's own test format.
type argoCase struct {
	InputPath    string  `json:"inputPath"`
	HealthStatus verdict `json:"healthStatus"`
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readObject decodes a manifest the way a client decodes the API server's JSON: whole numbers become int64
// (kstatus reads metadata.generation as one), not the float64 a plain YAML decode gives.
func readObject(t *testing.T, path string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	json, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(json); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

func liveStates(t *testing.T) []liveState {
	t.Helper()
	var file struct {
		States []liveState `json:"states"`
	}
	readYAML(t, filepath.Join(liveDir, "expectations.yaml"), &file)
	if len(file.States) == 0 {
		t.Fatal("gitops/live/expectations.yaml lists no states")
	}
	return file.States
}
