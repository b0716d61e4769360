#!/usr/bin/python3
"""Validates vidrop's AWS request files against AWS's own API models.

botocore ships the models offline (Debian: python3-botocore). Each file is
checked as the input of the call the README makes with it: required members,
unknown members, types, lengths and ranges (botocore's ParamValidator), plus
enum values, which ParamValidator does not check.

usage: validate-aws-models.py DEPLOY_DIR    (exit 1 on any problem)
"""

import json
import os
import sys

try:
    import botocore.session
    from botocore.validate import ParamValidator
except ImportError:
    sys.exit("validate-aws-models: botocore is missing: apt-get install python3-botocore "
             "(run with /usr/bin/python3), or `make test-deps`")


def enum_errors(shape, value, path):
    """Yields the values that are not in their shape's enum."""
    if shape is None:
        return
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                yield from enum_errors(member, value[name], f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            yield from enum_errors(shape.member, item, f"{path}[{i}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for k, v in value.items():
            yield from enum_errors(shape.value, v, f"{path}.{k}")
    elif shape.type_name == "string" and getattr(shape, "enum", None) and isinstance(value, str):
        if value not in shape.enum:
            yield f"{path}: {value!r} is not one of {', '.join(shape.enum)}"


def check(session, service, operation, params, label):
    model = session.get_service_model(service)
    shape = model.operation_model(operation).input_shape
    problems = []
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        problems.append(report.generate_report())
    problems.extend(enum_errors(shape, params, operation))
    if problems:
        print(f"{label}: invalid {service} {operation} input (botocore {botocore.__version__}):", file=sys.stderr)
        for p in problems:
            print("  " + p.replace("\n", "\n  "), file=sys.stderr)
        return False
    print(f"{label}: valid {service} {operation} input")
    return True


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ecs = os.path.join(sys.argv[1], "ecs")
    session = botocore.session.get_session()
    ok = True

    # aws ecs register-task-definition --cli-input-json file://task-definition.json
    path = os.path.join(ecs, "task-definition.json")
    ok &= check(session, "ecs", "RegisterTaskDefinition", load(path), path)

    # aws s3api put-bucket-cors --bucket BUCKET --cors-configuration file://bucket-cors.json
    path = os.path.join(ecs, "bucket-cors.json")
    params = {"Bucket": "vidrop-videos-example", "CORSConfiguration": load(path)}
    ok &= check(session, "s3", "PutBucketCors", params, path)

    # aws s3api put-bucket-policy --bucket BUCKET --policy file://bucket-policy-public-read.json
    # aws iam put-role-policy / create-role with the IAM documents
    for name, service, operation, key, extra in [
        ("bucket-policy-public-read.json", "s3", "PutBucketPolicy", "Policy", {"Bucket": "vidrop-videos-example"}),
        ("iam-task-policy.json", "iam", "PutRolePolicy", "PolicyDocument", {"RoleName": "vidrop-task", "PolicyName": "vidrop-s3"}),
        ("iam-execution-secrets-policy.json", "iam", "PutRolePolicy", "PolicyDocument", {"RoleName": "vidrop-execution", "PolicyName": "vidrop-secrets"}),
        ("ecs-tasks-trust-policy.json", "iam", "CreateRole", "AssumeRolePolicyDocument", {"RoleName": "vidrop-task"}),
    ]:
        path = os.path.join(ecs, name)
        with open(path) as f:
            doc = f.read()
        json.loads(doc)
        ok &= check(session, service, operation, dict(extra, **{key: doc}), path)

    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
