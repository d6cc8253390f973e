// `carepath score FILE [--instrument ID] [--questionnaire QFILE] [--sex male|female]
//  [--crisis-text TEXT] [--as-of DATE] [--content DIR]`: scores QuestionnaireResponses
// offline with the instrument content and prints JSON.
//
// FILE holds one QuestionnaireResponse, or a Bundle of them. A single response prints one
// assessment (score, band, critical items, social needs, explanations and the derived FHIR
// resources). A Bundle prints {"assessments": [...], "trajectories": [...]}: every response
// scored, then one trajectory per (subject, instrument) with a total (trajectory.h).
// --questionnaire names the outside Questionnaire the response answers (outside_form.h).
// Content comes from --content DIR (a directory of instrument JSON files), else
// FindInstrumentDirectory(). Errors: one line on stderr ("carepath score: ..."), exit 1.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>

#include "assess/instrument.h"
#include "assess/outside_form.h"
#include "assess/scoring.h"
#include "assess/trajectory.h"
#include "cli/commands.h"
#include "fhir/json.h"

namespace carepath::cli {
namespace {

struct ScoreArgs {
  std::string file;
  std::string instrument;
  std::string questionnaire;
  std::string sex;
  std::string crisis_text;
  std::string as_of;
  std::string content;
};

Result<json::Document> ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto doc = json::Document::Parse(std::move(text));
  if (!doc) return Error::Invalid("", path + ": " + doc.error().message);
  return doc;
}

Result<assess::Assessment> ScoreOne(const assess::InstrumentLibrary& library,
                                    const json::Value& response, const json::Value* outside_q,
                                    assess::ScoreOptions options) {
  if (outside_q == nullptr) return assess::Score(library, response, options);
  ASSIGN_OR_RETURN(assess::MappedResponse m,
                   assess::MapOutsideResponse(library, *outside_q, response));
  options.not_asked = m.not_asked;
  return assess::ScoreWith(*m.instrument, m.response.root(), options);
}

Result<std::string> Run(const ScoreArgs& args) {
  std::filesystem::path dir;
  if (!args.content.empty()) {
    dir = args.content;
  } else {
    ASSIGN_OR_RETURN(dir, assess::FindInstrumentDirectory());
  }
  ASSIGN_OR_RETURN(assess::InstrumentLibrary library, assess::LoadInstruments(dir));
  ASSIGN_OR_RETURN(json::Document input, ReadJson(args.file));
  json::Document outside;
  const json::Value* outside_q = nullptr;
  if (!args.questionnaire.empty()) {
    ASSIGN_OR_RETURN(outside, ReadJson(args.questionnaire));
    outside_q = &outside.root();
  }
  assess::ScoreOptions options;
  options.instrument_id = args.instrument;
  options.sex = args.sex;
  if (!args.crisis_text.empty()) options.crisis_message = args.crisis_text;

  const json::Value& root = input.root();
  const json::Value* type = root.Find("resourceType");
  if (type == nullptr || type->str() != "Bundle") {
    ASSIGN_OR_RETURN(assess::Assessment a, ScoreOne(library, root, outside_q, options));
    return a.ToJson().dump(2);
  }
  nlohmann::ordered_json out{{"assessments", nlohmann::ordered_json::array()},
                             {"trajectories", nlohmann::ordered_json::array()}};
  std::map<std::pair<std::string, std::string>, std::vector<assess::ScorePoint>> series;
  const json::Value* entries = root.Find("entry");
  for (size_t i = 0; entries != nullptr && i < entries->size(); ++i) {
    const json::Value* r = entries->items()[i].Find("resource");
    if (r == nullptr || r->Find("resourceType") == nullptr ||
        r->Find("resourceType")->str() != "QuestionnaireResponse") {
      continue;
    }
    auto a = ScoreOne(library, *r, outside_q, options);
    if (!a) {
      Error e = std::move(a).error();
      if (!e.path.empty()) e.path = "Bundle.entry[" + std::to_string(i) + "].resource." + e.path;
      return Unexpected(std::move(e));
    }
    if (a->total) {
      const json::Value* subject = r->Find("subject");
      std::string who(subject && subject->Find("reference") ? subject->Find("reference")->str() : "");
      std::string when(r->Find("authored") ? r->Find("authored")->str() : "");
      series[{who, a->instrument_id}].push_back(assess::ScorePoint{when, *a->total});
    }
    out["assessments"].push_back(a->ToJson());
  }
  for (auto& [key, points] : series) {
    const assess::Instrument* ins = library.Find(key.second);
    ASSIGN_OR_RETURN(assess::Trajectory t, assess::ComputeTrajectory(*ins, points, args.as_of));
    nlohmann::ordered_json j{{"subject", key.first}};
    j.update(t.ToJson());
    out["trajectories"].push_back(j);
  }
  return out.dump(2);
}

}  // namespace

void AddScoreCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "score", "Score QuestionnaireResponses with the instrument content (no database)");
  auto args = std::make_shared<ScoreArgs>();
  cmd->add_option("FILE", args->file, "a QuestionnaireResponse, or a Bundle of them")->required();
  cmd->add_option("--instrument", args->instrument, "instrument id (default: from the response)");
  cmd->add_option("--questionnaire", args->questionnaire,
                  "the outside Questionnaire the response answers");
  cmd->add_option("--sex", args->sex, "male or female: selects sex-specific cutoffs")
      ->check(CLI::IsMember({"male", "female"}));
  cmd->add_option("--crisis-text", args->crisis_text, "crisis resources sent on critical items");
  cmd->add_option("--as-of", args->as_of, "date for trajectories (default: the latest score)");
  cmd->add_option("--content", args->content, "directory of instrument JSON files");
  cmd->callback([args, &exit_code] {
    Result<std::string> out = Run(*args);
    if (!out) {
      std::fprintf(stderr, "carepath score: %s\n", out.error().ToString().c_str());
      exit_code = 1;
      return;
    }
    std::printf("%s\n", out->c_str());
    std::fflush(stdout);
    exit_code = 0;
  });
}

}  // namespace carepath::cli
