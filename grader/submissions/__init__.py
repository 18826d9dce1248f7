"""Submissions: reading a folder of modules or a notebook into code per exercise.

``loading`` finds the submission's form and its files; ``notebook`` reads notebook cells
(setup, learner and solution cells, magics).
"""
