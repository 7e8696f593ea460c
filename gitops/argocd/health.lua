-- Argo CD health check for modelship.io/ModelDeployment.
--
-- Install it as resource.customizations.health.modelship.io_ModelDeployment in argocd-cm (docs/gitops.md).
-- It reads the same kstatus conditions that `helm --wait=watcher` and Flux read, so every tool agrees:
--   Progressing  the operator has not seen the latest spec yet, or a rollout is running (Reconciling=True)
--   Suspended    a rollout is held: modelship.io/paused, or a canary pause step with no duration
--   Degraded     Stalled=True (needs a person) or Degraded=True (e.g. a version rolled back automatically)
--   Healthy      Ready=True for the current generation
hs = {}

local function condition(conditions, type)
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

-- Argo CD runs health checks in gopher-lua (Lua 5.1) with the base, table and package libraries and a safe os
-- library only: string and math are nil unless resource.customizations.useOpenLibs is set. So this script
-- uses base functions only (gopher-lua prints whole numbers without ".0").

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

local function messageOf(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return fallback
end

local generation = obj.metadata.generation
local status = obj.status

if status == nil or status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Modelship operator to report status"
  return hs
end

if generation ~= nil and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the Modelship operator to observe generation " .. tostring(generation)
  return hs
end

local conditions = status.conditions
local ready = condition(conditions, "Ready")
local reconciling = condition(conditions, "Reconciling")
local stalled = condition(conditions, "Stalled")
local degraded = condition(conditions, "Degraded")

if isTrue(stalled) then
  hs.status = "Degraded"
  hs.message = messageOf(stalled, "Rollout stalled")
  return hs
end

if isTrue(degraded) then
  hs.status = "Degraded"
  hs.message = messageOf(degraded, "Degraded")
  return hs
end

local canary = status.canaryRevision
if canary ~= nil then
  local annotations = obj.metadata.annotations
  if annotations ~= nil and annotations["modelship.io/paused"] == "true" then
    hs.status = "Suspended"
    hs.message = "Rollout of version " .. tostring(canary.version) .. " paused at weight " .. tostring(canary.weight) .. "%"
    return hs
  end
  -- A pause step without a duration waits for `kubectl modelship promote`.
  local steps = obj.spec ~= nil and obj.spec.rollout ~= nil and obj.spec.rollout.steps or nil
  if steps ~= nil and canary.step ~= nil then
    local step = steps[canary.step + 1]
    if step ~= nil and step.pause ~= nil and step.pause.duration == nil then
      hs.status = "Suspended"
      hs.message = "Version " .. tostring(canary.version) .. " at weight " .. tostring(canary.weight) .. "% waits for promotion"
      return hs
    end
  end
end

if isTrue(reconciling) then
  hs.status = "Progressing"
  hs.message = messageOf(reconciling, "Rollout in progress")
  return hs
end

if isTrue(ready) then
  hs.status = "Healthy"
  hs.message = messageOf(ready, "Ready")
  return hs
end

hs.status = "Progressing"
hs.message = messageOf(ready, "Waiting for the model to become ready")
return hs
