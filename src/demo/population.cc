#include "demo/population.h"

#include <algorithm>
#include <utility>

#include "demo/calendar.h"
#include "demo/patient_record.h"

namespace carepath::demo {
namespace {

constexpr std::array<std::string_view, Directory::kClinics> kClinicNames = {
    "Riverside Behavioral Health", "Northgate Primary Care", "Harbor Recovery Services"};

int CeilDiv(int64_t a, int64_t b) {
  return static_cast<int>(std::max<int64_t>(1, (a + b - 1) / b));
}

void WriteOrganization(const Directory& dir, int clinic, std::vector<DemoResource>& out) {
  JsonWriter w;
  const std::string id = dir.OrganizationId(clinic);
  w.BeginObject().Field("resourceType", "Organization").Field("id", id);
  w.Key("identifier").BeginArray().BeginObject();
  w.Field("system", "https://carepath.example/organization").Field("value", id);
  w.EndObject().EndArray();
  w.Key("active").Bool(true);
  w.Key("type").BeginArray().BeginObject().Key("coding").BeginArray();
  w.Coding("http://terminology.hl7.org/CodeSystem/organization-type", "prov",
           "Healthcare Provider");
  w.EndArray().EndObject().EndArray();
  w.Field("name", clinic < 0 ? std::string_view("Carepath Demo Health")
                             : kClinicNames[static_cast<size_t>(clinic)]);
  w.Key("telecom").BeginArray().BeginObject();
  w.Field("system", "phone").Field("value", "(413) 555-01" + std::to_string(10 + clinic + 1));
  w.Field("use", "work").EndObject().EndArray();
  const Town& town = Towns()[static_cast<size_t>(clinic + 1)];
  w.Key("address").BeginArray().BeginObject();
  w.Key("line").BeginArray().String(std::to_string(100 + 20 * (clinic + 1)) + " " +
                                    std::string(StreetNames()[static_cast<size_t>(clinic + 2)]));
  w.EndArray();
  w.Field("city", town.city).Field("state", town.state);
  w.Field("postalCode", std::string(town.zip_prefix) + "01").Field("country", "US");
  w.EndObject().EndArray();
  if (clinic >= 0) w.Reference("partOf", "Organization/" + dir.OrganizationId(-1));
  w.EndObject();
  Emit(out, "Organization", id, w);
}

void WriteStaff(const Directory& dir, StaffRole role, int k, std::vector<DemoResource>& out) {
  Rng rng(MixSeed(MixSeed(dir.seed ^ 0x5354414646ull, static_cast<uint64_t>(role)),
                  static_cast<uint64_t>(k)));
  JsonWriter w;
  const std::string id = dir.PractitionerId(role, k);
  const bool female = rng.Chance(0.6);
  auto given_list = female ? FemaleGivenNames() : MaleGivenNames();
  w.BeginObject().Field("resourceType", "Practitioner").Field("id", id);
  w.Key("identifier").BeginArray().BeginObject();
  w.Field("system", kNpiLikeSystem).Field("value", id);
  w.EndObject().EndArray();
  w.Key("active").Bool(true);
  w.Key("name").BeginArray().BeginObject();
  w.Field("family", FamilyNames()[rng.Below(FamilyNames().size())]);
  w.Key("given").BeginArray().String(given_list[rng.Below(given_list.size())]).EndArray();
  if (role == StaffRole::kClinician) {
    w.Key("prefix").BeginArray().String("Dr.").EndArray();
  }
  w.EndObject().EndArray();
  w.Field("gender", female ? "female" : "male");
  w.EndObject();
  Emit(out, "Practitioner", id, w);

  const RoleCode code = RoleCodeFor(role);
  const std::string role_id = dir.PractitionerRoleId(role, k);
  w.BeginObject().Field("resourceType", "PractitionerRole").Field("id", role_id);
  w.Key("active").Bool(true);
  w.Reference("practitioner", "Practitioner/" + id);
  w.Reference("organization", "Organization/" + dir.OrganizationId(dir.ClinicOf(role, k)));
  w.Key("code").BeginArray().BeginObject().Key("coding").BeginArray();
  w.Coding(kLocalCodes, code.code, code.display);
  w.EndArray().Field("text", code.display).EndObject().EndArray();
  w.EndObject();
  Emit(out, "PractitionerRole", role_id, w);
}

}  // namespace

Directory::Directory(const PopulationOptions& options)
    : seed(options.seed), prefix("demo" + std::to_string(options.seed)) {
  const int64_t n = std::max<int64_t>(1, options.patients);
  // Case loads: about 60 patients per care manager, 200 per clinician, 250 per coach
  // and 400 per link worker (typical of collaborative-care programmes).
  staff[static_cast<size_t>(StaffRole::kCareManager)] = CeilDiv(n, 60);
  staff[static_cast<size_t>(StaffRole::kClinician)] = CeilDiv(n, 200);
  staff[static_cast<size_t>(StaffRole::kCoach)] = CeilDiv(n, 250);
  staff[static_cast<size_t>(StaffRole::kLinkWorker)] = CeilDiv(n, 400);
}

std::string Directory::OrganizationId(int clinic) const {
  return clinic < 0 ? prefix + "-org" : prefix + "-org" + std::to_string(clinic + 1);
}

std::string Directory::PractitionerId(StaffRole role, int k) const {
  static constexpr std::array<std::string_view, kStaffRoles> kTags = {"cm", "clin", "coach", "lw"};
  return prefix + "-" + std::string(kTags[static_cast<size_t>(role)]) + std::to_string(k + 1);
}

std::string Directory::PractitionerRoleId(StaffRole role, int k) const {
  return PractitionerId(role, k) + "-role";
}

void Emit(std::vector<DemoResource>& out, std::string_view type, std::string id, JsonWriter& w) {
  out.push_back(DemoResource{type, std::move(id), w.Take()});
}

std::vector<DemoResource> GenerateDirectory(const PopulationOptions& options) {
  const Directory dir(options);
  std::vector<DemoResource> out;
  for (int clinic = -1; clinic < Directory::kClinics; ++clinic) WriteOrganization(dir, clinic, out);
  for (int r = 0; r < kStaffRoles; ++r) {
    for (int k = 0; k < dir.staff[static_cast<size_t>(r)]; ++k) {
      WriteStaff(dir, static_cast<StaffRole>(r), k, out);
    }
  }
  return out;
}

std::vector<DemoResource> GeneratePatient(const PopulationOptions& options, int64_t index) {
  const Directory dir(options);
  Rng rng(MixSeed(options.seed, static_cast<uint64_t>(index)));
  const PatientProfile profile = SampleProfile(options, dir, index, rng);
  std::vector<DemoResource> out;
  // Each part draws from its own stream so that changing one part's sampling leaves the
  // others' output unchanged.
  Rng core_rng(rng.Next()), assess_rng(rng.Next()), wear_rng(rng.Next());
  WritePatientCore(options, dir, profile, core_rng, out);
  WriteAssessments(options, profile, assess_rng, out);
  WriteWearables(options, profile, wear_rng, out);
  return out;
}

Result<PopulationSummary> GeneratePopulation(const PopulationOptions& options, ResourceSink& sink) {
  if (options.patients < 0) return Error::Invalid("patients", "must not be negative");
  if (options.days < 0 || options.days > 3660) {
    return Error::Invalid("days", "must be between 0 and 3660");
  }
  PopulationSummary summary;
  auto deliver = [&](const std::vector<DemoResource>& resources) -> Status {
    for (const DemoResource& r : resources) {
      RETURN_IF_ERROR(sink.Write(r));
      ++summary.resources;
      summary.bytes += static_cast<int64_t>(r.json.size());
      ++summary.by_type[std::string(r.type)];
    }
    return sink.EndOfGroup();
  };
  RETURN_IF_ERROR(deliver(GenerateDirectory(options)));
  for (int64_t i = 0; i < options.patients; ++i) {
    RETURN_IF_ERROR(deliver(GeneratePatient(options, i)));
  }
  return summary;
}

}  // namespace carepath::demo
