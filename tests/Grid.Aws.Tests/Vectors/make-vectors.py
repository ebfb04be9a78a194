#!/usr/bin/python3
# Writes botocore-requests.json: how botocore (Debian's python3-botocore) serializes the requests that
# Grid.Aws's tests build with the same inputs, and SigV4 signatures for fixed requests, keys and time.
# The tests compare Grid.Aws's output against this file; rerun it (with /usr/bin/python3) only when the
# inputs in the tests change: tests/Grid.Aws.Tests/Vectors/make-vectors.py > botocore-requests.json
import datetime, json
from unittest import mock
import botocore.session
from botocore import serialize
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

session = botocore.session.get_session()

def ser(svc, op, params):
    model = session.get_service_model(svc)
    return serialize.create_serializer(model.metadata['protocol']).serialize_to_request(params, model.operation_model(op))

def sign(url, body, headers, service, token=None):
    creds = Credentials('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', token)
    req = AWSRequest(method='POST', url=url, data=body, headers=headers)
    with mock.patch('botocore.auth.datetime') as d:
        d.datetime.utcnow.return_value = datetime.datetime(2026, 11, 21, 12, 0, 0)
        SigV4Auth(creds, service, 'us-east-1').add_auth(req)
    return req.headers['Authorization']

tags = [{'Key': 'grid:job', 'Value': 'tiles'}, {'Key': 'grid:run', 'Value': 'r1'}]
query = {
 'CreateFleet': ('ec2', {'ClientToken':'tok-1','SpotOptions':{'AllocationStrategy':'price-capacity-optimized'},
   'LaunchTemplateConfigs':[{'LaunchTemplateSpecification':{'LaunchTemplateId':'lt-0123456789abcdef0','Version':'$Latest'},
      'Overrides':[{'InstanceType':'c7g.large','SubnetId':'subnet-1'},{'InstanceType':'m7g.large','SubnetId':'subnet-2'}]}],
   'TargetCapacitySpecification':{'TotalTargetCapacity':4,'DefaultTargetCapacityType':'spot'},
   'Type':'instant','TagSpecifications':[{'ResourceType':'fleet','Tags':tags},{'ResourceType':'instance','Tags':tags}]}),
 'CreateLaunchTemplate': ('ec2', {'LaunchTemplateName':'grid-tiles','ClientToken':'tok-2','LaunchTemplateData':{
   'ImageId':'ami-1','UserData':'IyEvYmluL3NoCg==','IamInstanceProfile':{'Name':'grid-worker'},
   'MetadataOptions':{'HttpTokens':'required','HttpEndpoint':'enabled'},'InstanceInitiatedShutdownBehavior':'terminate',
   'SecurityGroupIds':['sg-1'],'TagSpecifications':[{'ResourceType':'instance','Tags':tags},{'ResourceType':'volume','Tags':tags}]},
   'TagSpecifications':[{'ResourceType':'launch-template','Tags':tags}]}),
 'DescribeInstances': ('ec2', {'InstanceIds':['i-1','i-2'],'Filters':[{'Name':'tag:grid:job','Values':['tiles']},{'Name':'instance-state-name','Values':['pending','running']}],'NextToken':'n1'}),
 'AuthorizeSecurityGroupIngress': ('ec2', {'GroupId':'sg-1','IpPermissions':[{'IpProtocol':'tcp','FromPort':7700,'ToPort':7700,'UserIdGroupPairs':[{'GroupId':'sg-2','Description':'grid workers'}]}]}),
 'CreateSecurityGroup': ('ec2', {'GroupName':'grid-tiles','Description':'grid head','VpcId':'vpc-1','TagSpecifications':[{'ResourceType':'security-group','Tags':tags}]}),
 'DescribeSpotPriceHistory': ('ec2', {'InstanceTypes':['c7g.large'],'ProductDescriptions':['Linux/UNIX'],'StartTime':'2026-11-21T00:00:00Z'}),
 'DeleteFleets': ('ec2', {'FleetIds':['fleet-1'],'TerminateInstances':True}),
 'DescribeFleets': ('ec2', {'FleetIds':['fleet-1']}),
 'DescribeLaunchTemplates': ('ec2', {'LaunchTemplateIds':['lt-1'],'LaunchTemplateNames':['grid-tiles']}),
 'DescribeSecurityGroups': ('ec2', {'GroupIds':['sg-1']}),
 'DescribeSubnets': ('ec2', {'SubnetIds':['subnet-1']}),
 'TerminateInstances': ('ec2', {'InstanceIds':['i-1']}),
 'DeleteLaunchTemplate': ('ec2', {'LaunchTemplateId':'lt-1'}),
 'DeleteSecurityGroup': ('ec2', {'GroupId':'sg-1'}),
}
json_cases = {
    'CreateRepository': ('ecr', {'repositoryName': 'tiles', 'imageScanningConfiguration': {'scanOnPush': True},
                                 'tags': [{'Key': 'grid:job', 'Value': 'tiles'}]}),
    'SubmitJob': ('batch', {'jobName': 'grid-tiles', 'jobQueue': 'grid-tiles', 'jobDefinition': 'grid-tiles',
                            'arrayProperties': {'size': 4},
                            'containerOverrides': {'environment': [{'name': 'GRID_HEAD', 'value': '10.0.0.1:7700'}]},
                            'propagateTags': True, 'tags': {'grid:job': 'tiles'}}),
    'CreateComputeEnvironment': ('batch', {'computeEnvironmentName': 'grid-tiles', 'type': 'MANAGED', 'state': 'ENABLED',
        'computeResources': {'type': 'SPOT', 'allocationStrategy': 'SPOT_PRICE_CAPACITY_OPTIMIZED', 'minvCpus': 0,
                             'maxvCpus': 16, 'instanceTypes': ['c7g.large'], 'subnets': ['subnet-1'],
                             'securityGroupIds': ['sg-1'], 'instanceRole': 'grid-worker', 'tags': {'grid:job': 'tiles'}},
        'tags': {'grid:job': 'tiles'}}),
}

out = {'query': {}, 'json': {}, 'signatures': {}}
for op, (svc, params) in query.items():
    out['query'][op] = {k: str(v) for k, v in ser(svc, op, params)['body'].items()}
for op, (svc, params) in json_cases.items():
    r = ser(svc, op, params)
    out['json'][op] = {'path': r['url_path'], 'target': r['headers'].get('X-Amz-Target'),
                       'contentType': r['headers']['Content-Type'], 'body': json.loads(r['body'])}
out['signatures']['ec2'] = sign('https://ec2.us-east-1.amazonaws.com/',
    b'Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Agrid%3Ajob&Filter.1.Value.1=tiles',
    {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'}, 'ec2')
out['signatures']['ecr'] = sign('https://api.ecr.us-east-1.amazonaws.com/', b'{}',
    {'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken'},
    'ecr', token='SESSIONTOKEN')
out['signatures']['batch'] = sign('http://127.0.0.1:4566/v1/submitjob', b'{"jobName":"grid-tiles"}',
    {'Content-Type': 'application/json'}, 'batch')
print(json.dumps(out, indent=2, sort_keys=True))
