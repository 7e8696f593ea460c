package engines

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/util/lua"
	"github.com/argoproj/gitops-engine/pkg/health"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const healthKeyPrefix = "resource.customizations.health."

// overridesFromPatch reads the argocd-cm patch we publish and turns each health key into the override Argo CD
// builds from it: the key names group_Kind, and Argo CD's settings swap the "_" for "/". No useOpenLibs key is
// set, so the script runs in Argo CD's sandbox (base, table, package and a safe os library only).
func overridesFromPatch(t *testing.T) lua.ResourceHealthOverrides {
	t.Helper()
	var cm struct {
		Data map[string]string `json:"data"`
	}
	readYAML(t, filepath.Join(argocdDir, "argocd-cm-patch.yaml"), &cm)
	overrides := lua.ResourceHealthOverrides{}
	for key, script := range cm.Data {
		if groupKind, ok := strings.CutPrefix(key, healthKeyPrefix); ok {
			overrides[strings.Replace(groupKind, "_", "/", 1)] = v1alpha1.ResourceOverride{HealthLua: script}
		}
	}
	if _, ok := overrides["modelship.io/ModelDeployment"]; !ok {
		t.Fatalf("argocd-cm-patch.yaml has no %smodelship.io_ModelDeployment key", healthKeyPrefix)
	}
	return overrides
}

// argoHealth is what Argo CD's application controller computes for a resource: gitops-engine's
// GetResourceHealth (which answers for deleting objects itself) with the argocd-cm overrides as Lua.
func argoHealth(t *testing.T, overrides lua.ResourceHealthOverrides, obj *unstructured.Unstructured) verdict {
	t.Helper()
	got, err := health.GetResourceHealth(obj, overrides)
	if err != nil {
		t.Fatalf("Argo CD could not evaluate the health check: %v", err)
	}
	if got == nil {
		t.Fatal("Argo CD found no health check for ModelDeployment")
	}
	return verdict{Status: string(got.Status), Message: got.Message}
}

func TestArgoCDHealthOfTheDocumentedCases(t *testing.T) {
	overrides := overridesFromPatch(t)
	var file struct {
		Tests []argoCase `json:"tests"`
	}
	readYAML(t, filepath.Join(argocdDir, "health_test.yaml"), &file)
	if len(file.Tests) == 0 {
		t.Fatal("health_test.yaml has no tests")
	}
	for _, c := range file.Tests {
		t.Run(c.InputPath, func(t *testing.T) {
			got := argoHealth(t, overrides, readObject(t, filepath.Join(argocdDir, c.InputPath)))
			if got != c.HealthStatus {
				t.Errorf("Argo CD says %+v, health_test.yaml expects %+v", got, c.HealthStatus)
			}
		})
	}
}

func TestArgoCDHealthOfLiveModelDeployments(t *testing.T) {
	overrides := overridesFromPatch(t)
	for _, s := range liveStates(t) {
		t.Run(s.Name, func(t *testing.T) {
			got := argoHealth(t, overrides, readObject(t, filepath.Join(liveDir, s.InputPath)))
			if got != s.ArgoCD {
				t.Errorf("Argo CD says %+v, expected %+v", got, s.ArgoCD)
			}
		})
	}
}
